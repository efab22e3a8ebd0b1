# sim_load: a plain load client (no Google Benchmark) for measuring aiosmpp-smsc-sim's submit_sm
# throughput; see docs/simulator.md ("Throughput") for the commands.
add_executable(sim_load ${CMAKE_CURRENT_LIST_DIR}/sim_load.cpp)
aiosmpp_layer_closure(_sim_load_layers pdu)
target_link_libraries(sim_load PRIVATE ${_sim_load_layers})
aiosmpp_set_warnings(sim_load)
