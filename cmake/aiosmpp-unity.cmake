include_guard(GLOBAL)

# Unity builds of aiosmpp's test executables (the asan-ubsan and tsan presets turn it on; the dev
# preset keeps one object per file for the edit-compile loop). Measured under ASan + UBSan at -O0:
# six test files of one executable took 142 CPU seconds compiled one by one and 45 as one
# translation unit, because most of a test file's time is parsing Asio, Catch2 and the library's
# headers and emitting the same inline templates (coroutine frames, Catch's expression templates,
# fmt) again, which a unity unit does once. Batches of AIOSMPP_UNITY_BATCH files keep both cores
# busy and the memory bounded.
#
# The library's layers stay one object per file: the package tests compile the library again
# inside a consumer's build (add_subdirectory, FetchContent) with the same commands, so ccache
# serves those objects from this build; a unity unit of the library would not be shared.
option(AIOSMPP_UNITY_BUILD "Compile aiosmpp's test executables as unity translation units" OFF)
set(AIOSMPP_UNITY_BATCH 16 CACHE STRING "Test source files per unity translation unit")

function(aiosmpp_unity target)
  if(AIOSMPP_UNITY_BUILD)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON
                                               UNITY_BUILD_BATCH_SIZE ${AIOSMPP_UNITY_BATCH})
    # g++ warns when a type of an anonymous namespace is a member of a type with linkage (here a
    # coroutine's frame) anywhere but in the main file: meant for headers, it fires for every .cpp
    # a unity unit includes. The dev preset compiles each file alone with the warning on.
    target_compile_options(${target} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wno-subobject-linkage>)
  endif()
endfunction()
