# Message-layer micro-benchmarks: GSM 03.38 encode/decode throughput, splitting, receipts.
aiosmpp_add_microbench(text_bench LAYER text SOURCES ${CMAKE_CURRENT_LIST_DIR}/text_bench.cpp)
