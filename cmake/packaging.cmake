# Man page, shell completions and `make install` (included by CMakeLists.txt after the memsleuth target).
#
# memsleuth(1) and the completions are written at build time by memsleuth-docgen from the same CLI11
# tree the binary parses with (cli::build_app), so they follow every change of a command or flag.
include(GNUInstallDirs)

memsleuth_module(docgen DEPS ms_cli)
add_executable(memsleuth-docgen src/docgen_main.cpp)
target_link_libraries(memsleuth-docgen PRIVATE ms_docgen)

set(MEMSLEUTH_DOCS_OUT ${CMAKE_CURRENT_BINARY_DIR}/share)
set(MEMSLEUTH_MAN ${MEMSLEUTH_DOCS_OUT}/memsleuth.1)
set(MEMSLEUTH_BASH_COMPLETION ${MEMSLEUTH_DOCS_OUT}/memsleuth.bash)
set(MEMSLEUTH_ZSH_COMPLETION ${MEMSLEUTH_DOCS_OUT}/_memsleuth)
set(MEMSLEUTH_FISH_COMPLETION ${MEMSLEUTH_DOCS_OUT}/memsleuth.fish)
set(docgen_outputs)
foreach(pair "man;${MEMSLEUTH_MAN}" "bash;${MEMSLEUTH_BASH_COMPLETION}" "zsh;${MEMSLEUTH_ZSH_COMPLETION}"
             "fish;${MEMSLEUTH_FISH_COMPLETION}")
  list(GET pair 0 format)
  list(GET pair 1 out)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${MEMSLEUTH_DOCS_OUT}
    COMMAND memsleuth-docgen ${format} ${out}
    DEPENDS memsleuth-docgen
    COMMENT "Generating ${format} from the command-line definitions" VERBATIM)
  list(APPEND docgen_outputs ${out})
endforeach()
add_custom_target(memsleuth_docs ALL DEPENDS ${docgen_outputs})

# Install layout (PREFIX: CMAKE_INSTALL_PREFIX, default /usr/local; DESTDIR honoured by cmake --install).
install(TARGETS memsleuth RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${MEMSLEUTH_MAN} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${MEMSLEUTH_BASH_COMPLETION} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME memsleuth)
install(FILES ${MEMSLEUTH_ZSH_COMPLETION} DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${MEMSLEUTH_FISH_COMPLETION} DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
file(GLOB memsleuth_doc_files CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/docs/*.md)
install(FILES README.md ${memsleuth_doc_files} DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The manifests and dashboards a user deploys from (DaemonSet, alerts, Grafana).
install(DIRECTORY deploy/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/deploy PATTERN "*.service" EXCLUDE)

# The systemd unit names the installed binary and docs, so its paths are written at install time
# from the prefix actually used (`cmake --install --prefix` may differ from the configured one).
# <prefix>/lib/systemd/system is where systemd looks for units of that prefix (/usr/local/lib/...,
# /usr/lib/...); MEMSLEUTH_SYSTEMD_UNIT_DIR overrides it (relative: under the prefix).
set(MEMSLEUTH_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING "Where make install puts the systemd unit")
install(CODE "
  set(unit_src \"${CMAKE_CURRENT_SOURCE_DIR}/deploy/memsleuth-record.service\")
  set(unit_tmp \"${CMAKE_CURRENT_BINARY_DIR}/install/memsleuth-record.service\")
  set(bindir \"${CMAKE_INSTALL_BINDIR}\")
  set(docdir \"${CMAKE_INSTALL_DOCDIR}\")
  set(unitdir \"${MEMSLEUTH_SYSTEMD_UNIT_DIR}\")
  include(\"${CMAKE_CURRENT_SOURCE_DIR}/cmake/install_unit.cmake\")
")
