# PDU codec: encode/decode of submit_sm and of a deliver_sm receipt, and the framer over a 1 MiB
# stream; counts heap allocations per operation.
aiosmpp_add_microbench(codec_bench LAYER pdu SOURCES ${CMAKE_CURRENT_LIST_DIR}/codec_bench.cpp)
