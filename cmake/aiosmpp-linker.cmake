include_guard(GLOBAL)

# AIOSMPP_LINKER=auto (the dev, sanitizer and fuzz presets): link aiosmpp's own executables with
# lld, else gold, when the compiler accepts it. The test command links about 80 executables of
# 150-300 MB each under the sanitizers; GNU ld takes about 17 s for one of them on the 2-core CI
# machine, lld under 4 s (BENCHMARKS.md, "CI time"). Empty (the default, and what a parent project
# gets) leaves the toolchain's linker alone; any other value is passed as -fuse-ld=<value>.
set(AIOSMPP_LINKER "" CACHE STRING "auto, a linker name for -fuse-ld=, or empty for the default")

if(AIOSMPP_LINKER STREQUAL "auto")
  include(CheckLinkerFlag)
  set(_aiosmpp_ld "")
  foreach(_candidate IN ITEMS lld gold)
    check_linker_flag(CXX "-fuse-ld=${_candidate}" AIOSMPP_LINKER_HAS_${_candidate})
    if(AIOSMPP_LINKER_HAS_${_candidate})
      set(_aiosmpp_ld ${_candidate})
      break()
    endif()
  endforeach()
elseif(AIOSMPP_LINKER)
  set(_aiosmpp_ld ${AIOSMPP_LINKER})
endif()

if(_aiosmpp_ld)
  # Directory scope: this project's targets only, never a parent project's.
  add_link_options(-fuse-ld=${_aiosmpp_ld})
  message(STATUS "aiosmpp: linking with ${_aiosmpp_ld}")
endif()
