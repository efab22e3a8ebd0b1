# soak: the reliability soak (plain executable: a summary and one RESULT line; exit 1 on any
# violation). The same logic, in bench/soak.hpp, runs short in tests/integration/soak.
if(TARGET aiosmpp_smsc)
  aiosmpp_layer_closure(_soak_layers esme)
  aiosmpp_layer_closure(_soak_smsc_layers smsc)
  list(APPEND _soak_layers ${_soak_smsc_layers})
  list(REMOVE_DUPLICATES _soak_layers)
  add_executable(soak ${CMAKE_CURRENT_LIST_DIR}/soak.cpp)
  target_link_libraries(soak PRIVATE ${_soak_layers})
  aiosmpp_set_warnings(soak)
  # g++ 12 at -O1 and above reports -Wmismatched-new-delete on Asio 1.22's awaitable frame (its
  # operator delete pairs with its own operator new): a known false positive (see esme_sim_tests).
  target_compile_options(soak PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wno-mismatched-new-delete>)
endif()
