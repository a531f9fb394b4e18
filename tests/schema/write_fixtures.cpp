// schema_write_fixtures DIR: writes DIR/<name>.bin, the bytes the current code encodes for every sample of the
// newest schema version (wire_testing.hpp), and checks that each decodes back. It refuses to overwrite a file:
// a fixture set is written once, when its schema version is made, and committed (tests/schema/v1 was written by
// `build/bin/schema_write_fixtures tests/schema/v1`). evolution_test.cpp says how a version 2 adds its set.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "wire_testing.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " DIR   (writes DIR/<sample>.bin for every sample of the newest version)\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  // The newest version's samples. When there is a v2, this becomes actorhub::wire::testing::v2::samples().
  const auto samples = actorhub::wire::testing::v1::samples();
  for (const auto& s : samples) {
    if (std::filesystem::exists(dir / (s.name + ".bin"))) {
      std::cerr << (dir / (s.name + ".bin")).string() << " exists: fixtures are written once, never rewritten\n";
      return 1;
    }
  }
  for (const auto& s : samples) {
    const std::string bytes = s.encode();
    if (auto ok = s.decodes_to_it(bytes); !ok) {
      std::cerr << s.name << ": " << ok.message() << "\n";
      return 1;
    }
    std::ofstream out(dir / (s.name + ".bin"), std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::cerr << "cannot write " << (dir / (s.name + ".bin")).string() << "\n";
      return 1;
    }
    std::cout << s.name << ".bin " << bytes.size() << " bytes\n";
  }
  return 0;
}
