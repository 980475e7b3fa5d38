# BPF programs (CO-RE): compiled with clang's BPF target against a vmlinux.h generated at build time
# from the build machine's kernel BTF, linked and stripped with bpftool, and embedded in the binary as
# a libbpf skeleton header (`bpftool gen skeleton`). docs/bpf.md says how the parts fit.
#
#   MEMSLEUTH_BPF      AUTO (default): on when clang, bpftool, libbpf and the BTF below exist, off
#                      with a message otherwise; ON: the same, but a missing piece is an error; OFF.
#   MEMSLEUTH_BPF_BTF  the BTF vmlinux.h is generated from (default /sys/kernel/btf/vmlinux, i.e. a
#                      kernel built with CONFIG_DEBUG_INFO_BTF). CO-RE relocates the programs against
#                      the running kernel's own BTF at load time, so this only has to be a kernel
#                      recent enough to declare every type the programs name.
#
# Sets MEMSLEUTH_BPF_ENABLED (ON/OFF) and, when OFF, MEMSLEUTH_BPF_OFF_REASON. Without BPF the
# binary still builds and runs: the readers fall back to procfs (src/probe/bpf/bpf.hpp: built()).
#
#   memsleuth_bpf_skeleton(<name> <src.bpf.c> [TARGET <target>] [DEPENDS <headers>...])
#     compiles <src.bpf.c> into <build>/generated/bpf/<name>.skel.h (struct <name>, functions
#     <name>__open_and_load() ..., or <name>::open() ... in C++), sets <name>_SKELETON to that path in
#     the caller's scope and, with TARGET, makes <target> depend on it and see the generated folder.

set(MEMSLEUTH_BPF AUTO CACHE STRING "BPF readers: AUTO (on when the toolchain and a BTF exist), ON or OFF")
set_property(CACHE MEMSLEUTH_BPF PROPERTY STRINGS AUTO ON OFF)
set(MEMSLEUTH_BPF_BTF /sys/kernel/btf/vmlinux CACHE FILEPATH "Kernel BTF that vmlinux.h is generated from")

set(MEMSLEUTH_BPF_ENABLED OFF)
set(MEMSLEUTH_BPF_OFF_REASON "")
set(MEMSLEUTH_BPF_GEN_DIR ${CMAKE_BINARY_DIR}/generated/bpf)

# A macro, not a function: pkg_check_modules' LIBBPF_* results must reach the caller.
macro(_memsleuth_bpf_detect)
  set(reason "")
  if(MEMSLEUTH_BPF STREQUAL "OFF")
    set(reason "MEMSLEUTH_BPF=OFF")
  else()
    find_program(MEMSLEUTH_BPF_CLANG NAMES clang clang-14 clang-15 clang-16)
    # bpftool is in /usr/sbin on Debian, which a non-root PATH may lack.
    find_program(MEMSLEUTH_BPFTOOL bpftool PATHS /usr/sbin /sbin /usr/local/sbin)
    find_package(PkgConfig QUIET)
    if(PkgConfig_FOUND)
      pkg_check_modules(LIBBPF QUIET libbpf>=0.8)
    endif()
    if(NOT MEMSLEUTH_BPF_CLANG)
      set(reason "no clang (Debian package clang)")
    elseif(NOT MEMSLEUTH_BPFTOOL)
      set(reason "no bpftool (Debian package bpftool)")
    elseif(NOT LIBBPF_FOUND)
      set(reason "no libbpf >= 0.8 (Debian package libbpf-dev)")
    elseif(NOT EXISTS ${MEMSLEUTH_BPF_BTF})
      set(reason "no kernel BTF at ${MEMSLEUTH_BPF_BTF} (the build kernel lacks CONFIG_DEBUG_INFO_BTF; set MEMSLEUTH_BPF_BTF to another kernel's BTF)")
    else()
      # clang must have the BPF back end (Debian's does; some distributions' do not).
      execute_process(COMMAND ${MEMSLEUTH_BPF_CLANG} -print-targets OUTPUT_VARIABLE _ms_clang_targets ERROR_QUIET)
      if(NOT _ms_clang_targets MATCHES "[ \t]bpf[ \t]")
        set(reason "${MEMSLEUTH_BPF_CLANG} has no BPF target")
      endif()
    endif()
  endif()
  if(reason)
    if(MEMSLEUTH_BPF STREQUAL "ON")
      message(FATAL_ERROR "MEMSLEUTH_BPF=ON but ${reason}")
    endif()
    message(STATUS "BPF readers: off (${reason}); memsleuth reads procfs only")
    set(MEMSLEUTH_BPF_ENABLED OFF)
    set(MEMSLEUTH_BPF_OFF_REASON "${reason}")
  else()
    message(STATUS "BPF readers: on (libbpf ${LIBBPF_VERSION}, BTF ${MEMSLEUTH_BPF_BTF})")
    set(MEMSLEUTH_BPF_ENABLED ON)
  endif()
endmacro()
_memsleuth_bpf_detect()

# The reason, for the binary to tell (src/probe/bpf/bpf.cpp not_built_reason()): a generated header,
# not a -D flag, which would take the reason's quotes and semicolons apart.
set(MEMSLEUTH_BPF_CONFIG_DIR ${CMAKE_BINARY_DIR}/generated/bpf_config)
string(REPLACE "\\" "\\\\" _ms_reason "${MEMSLEUTH_BPF_OFF_REASON}")
string(REPLACE "\"" "\\\"" _ms_reason "${_ms_reason}")
file(CONFIGURE OUTPUT ${MEMSLEUTH_BPF_CONFIG_DIR}/memsleuth_bpf_config.h
     CONTENT "#define MEMSLEUTH_BPF_OFF_REASON \"${_ms_reason}\"\n")

if(MEMSLEUTH_BPF_ENABLED)
  file(MAKE_DIRECTORY ${MEMSLEUTH_BPF_GEN_DIR})
  # Written to a temporary name first: an interrupted dump leaves no half vmlinux.h behind.
  add_custom_command(OUTPUT ${MEMSLEUTH_BPF_GEN_DIR}/vmlinux.h
    COMMAND sh -c "'${MEMSLEUTH_BPFTOOL}' btf dump file '${MEMSLEUTH_BPF_BTF}' format c > vmlinux.h.tmp"
    COMMAND ${CMAKE_COMMAND} -E rename vmlinux.h.tmp vmlinux.h
    WORKING_DIRECTORY ${MEMSLEUTH_BPF_GEN_DIR}
    COMMENT "Generating vmlinux.h from ${MEMSLEUTH_BPF_BTF}" VERBATIM)
  add_custom_target(memsleuth_vmlinux_h DEPENDS ${MEMSLEUTH_BPF_GEN_DIR}/vmlinux.h)
endif()

function(memsleuth_bpf_skeleton name src)
  cmake_parse_arguments(S "" "TARGET" "DEPENDS" ${ARGN})
  if(NOT MEMSLEUTH_BPF_ENABLED)
    message(FATAL_ERROR "memsleuth_bpf_skeleton(${name}) called with BPF off: guard it with if(MEMSLEUTH_BPF_ENABLED)")
  endif()
  get_filename_component(src_abs ${src} ABSOLUTE)
  get_filename_component(src_dir ${src_abs} DIRECTORY)
  set(gen ${MEMSLEUTH_BPF_GEN_DIR})
  set(obj ${gen}/${name}.bpf.o)
  set(linked ${gen}/${name}.o)
  set(skel ${gen}/${name}.skel.h)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    set(arch x86)
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
    set(arch arm64)
  else()
    set(arch ${CMAKE_SYSTEM_PROCESSOR})
  endif()
  # -g: the BTF that CO-RE relocations need (bpftool gen object drops the DWARF again). -mcpu=v3:
  # 32-bit subregisters and atomic exchange (kernels 5.1+; BPF iterators need 5.8 anyway).
  add_custom_command(OUTPUT ${obj}
    COMMAND ${MEMSLEUTH_BPF_CLANG} -target bpf -mcpu=v3 -g -O2 -Wall -Werror -D__TARGET_ARCH_${arch}
            -I${gen} -I${src_dir} ${LIBBPF_CFLAGS} -MD -MF ${obj}.d -c ${src_abs} -o ${obj}
    DEPENDS ${src_abs} ${gen}/vmlinux.h ${S_DEPENDS}
    DEPFILE ${obj}.d
    COMMENT "Compiling BPF program ${name}" VERBATIM)
  add_custom_command(OUTPUT ${skel}
    COMMAND ${MEMSLEUTH_BPFTOOL} gen object ${linked} ${obj}
    COMMAND sh -c "'${MEMSLEUTH_BPFTOOL}' gen skeleton '${linked}' name '${name}' > '${name}.skel.h.tmp'"
    COMMAND ${CMAKE_COMMAND} -E rename ${name}.skel.h.tmp ${name}.skel.h
    DEPENDS ${obj}
    WORKING_DIRECTORY ${gen}
    COMMENT "Generating BPF skeleton ${name}.skel.h" VERBATIM)
  add_custom_target(bpf_skel_${name} DEPENDS ${skel})
  set(${name}_SKELETON ${skel} PARENT_SCOPE)
  if(S_TARGET)
    target_sources(${S_TARGET} PRIVATE ${skel})
    target_include_directories(${S_TARGET} PRIVATE ${gen})
    add_dependencies(${S_TARGET} bpf_skel_${name})
  endif()
endfunction()
