# durable_bench: messages per second through SqliteBroker + SqliteCorrelator (+ SqliteHook) to the
# simulator with receipts (a plain executable printing one RESULT line), when aiosmpp::sqlite is
# built.
if(TARGET aiosmpp_sqlite)
  add_executable(durable_bench ${CMAKE_CURRENT_LIST_DIR}/durable_bench.cpp)
  target_link_libraries(durable_bench PRIVATE aiosmpp_sqlite)
  aiosmpp_set_warnings(durable_bench)
  target_compile_options(durable_bench PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wno-mismatched-new-delete>)
endif()
