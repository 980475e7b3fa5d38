#pragma once
// A history database path in a fresh temporary folder, removed with everything in it at scope end.
// Shared by the unit tests that write a store (store/, agent/).
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace ms::test_support {

struct TempDb {
  std::string dir, path;
  TempDb() {
    char tmpl[] = "/tmp/ms-unit-db-XXXXXX";
    dir = mkdtemp(tmpl);
    path = dir + "/h.db";
  }
  ~TempDb() { std::filesystem::remove_all(dir); }
  TempDb(const TempDb&) = delete;
  TempDb& operator=(const TempDb&) = delete;
};

}  // namespace ms::test_support
