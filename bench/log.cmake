# Logging: cost of a disabled call (must be ~free, no allocation) and of enabled records.
aiosmpp_add_microbench(log_bench LAYER core SOURCES ${CMAKE_CURRENT_LIST_DIR}/log_bench.cpp)
