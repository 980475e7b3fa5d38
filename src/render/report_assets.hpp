#pragma once
// Front-end files compiled into the binary (cmake/embed_assets.cmake).
#include <string_view>

namespace ms::assets {
std::string_view uplot_js();
std::string_view uplot_css();
std::string_view report_js();
std::string_view report_css();
}  // namespace ms::assets
