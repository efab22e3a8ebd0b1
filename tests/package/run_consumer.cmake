# cmake -P run_consumer.cmake: one consumer build. Variables come from tests/package/CMakeLists.txt.
cmake_minimum_required(VERSION 3.25)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(JOIN " " cmd ${ARGN})
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(build_type ${BUILD_TYPE})
if(NOT build_type)
  set(build_type Release)
endif()
set(configure_args -G ${GENERATOR} -DCMAKE_CXX_COMPILER=${CXX_COMPILER} "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
                   "-DCMAKE_EXE_LINKER_FLAGS=${EXE_LINKER_FLAGS}"
                   -DCMAKE_BUILD_TYPE=${build_type} -DCONSUMER_MODE=${MODE}
                   -DAIOSMPP_SOURCE_DIR=${AIOSMPP_SOURCE_DIR})
# The build type's own flags too (the asan-ubsan preset's Debug is -g1, not CMake's -g): the
# library's objects are then compiled exactly as in the build under test.
if(BUILD_TYPE)
  string(TOUPPER "${BUILD_TYPE}" build_type_upper)
  list(APPEND configure_args "-DCMAKE_CXX_FLAGS_${build_type_upper}=${CXX_FLAGS_BUILD_TYPE}")
endif()
if(CXX_LAUNCHER)
  list(APPEND configure_args "-DCMAKE_CXX_COMPILER_LAUNCHER=${CXX_LAUNCHER}")
endif()
# The library's own compile commands as in the build under test (see CMakeLists.txt): only the
# modes that compile it take the option.
if(NOT MODE STREQUAL "find_package" AND DEFINED WARNINGS_AS_ERRORS)
  list(APPEND configure_args -DAIOSMPP_WARNINGS_AS_ERRORS=${WARNINGS_AS_ERRORS})
endif()

if(MODE STREQUAL "add_subdirectory")
  list(APPEND configure_args -DAIOSMPP_WITH_TLS=OFF -DCONSUMER_EXPECT_TLS=OFF)
else()
  list(APPEND configure_args -DCONSUMER_EXPECT_TLS=${HAS_TLS})
endif()

if(MODE STREQUAL "find_package")
  run(${CMAKE_COMMAND} --install ${AIOSMPP_BINARY_DIR} --prefix ${WORK_DIR}/prefix --config ${build_type})
  foreach(f include/aiosmpp/aiosmpp.hpp lib/cmake/aiosmpp/aiosmppConfig.cmake
            lib/cmake/aiosmpp/aiosmppConfigVersion.cmake lib/cmake/aiosmpp/FindAsio.cmake)
    if(NOT EXISTS ${WORK_DIR}/prefix/${f})
      message(FATAL_ERROR "install did not produce ${f}")
    endif()
  endforeach()
  list(APPEND configure_args -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
endif()

run(${CMAKE_COMMAND} -S ${CMAKE_CURRENT_LIST_DIR}/consumer -B ${WORK_DIR}/build ${configure_args})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build --parallel 2)
run(${WORK_DIR}/build/consumer)
message(STATUS "consumer (${MODE}) said: ${last_output}")
if(NOT last_output MATCHES "aiosmpp ok")
  message(FATAL_ERROR "consumer did not report success: ${last_output}")
endif()
# A package built with the optional components must hand them on through find_package.
foreach(component IN ITEMS sqlite redis)
  string(TOUPPER ${component} upper)
  if(MODE STREQUAL "find_package" AND HAS_${upper} AND NOT last_output MATCHES "${component} ok")
    message(FATAL_ERROR "the package was built with aiosmpp::${component} but the consumer did "
                        "not get it: ${last_output}")
  endif()
endforeach()
# A passed mode's tree (an install prefix, or a whole library build) is 1-2 GB under the
# sanitizers and proves nothing more: removed, so that the three modes never hold 4.5 GB of disk
# at once. A failed mode keeps its tree for a look.
file(REMOVE_RECURSE ${WORK_DIR})
