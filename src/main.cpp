#include "cli/context.hpp"

int main(int argc, char** argv) { return ms::cli::run(argc, argv); }
