# esme_bench: the ESME load generator (plain executable: one RESULT line), and
# aiosmpp_responder: a minimal single-threaded SMPP responder to measure the client in isolation.
aiosmpp_layer_closure(_esme_bench_layers esme)
add_executable(esme_bench ${CMAKE_CURRENT_LIST_DIR}/esme_bench.cpp)
target_link_libraries(esme_bench PRIVATE ${_esme_bench_layers})
aiosmpp_set_warnings(esme_bench)

aiosmpp_layer_closure(_responder_layers pdu)
add_executable(aiosmpp_responder ${CMAKE_CURRENT_LIST_DIR}/responder.cpp)
target_link_libraries(aiosmpp_responder PRIVATE ${_responder_layers})
aiosmpp_set_warnings(aiosmpp_responder)
