// File: gzip_for_tests.h
// Test helper: gzip-compresses a string (zlib, gzip wrapper).
#ifndef LUX_SERVER_LUXD_GZIP_FOR_TESTS_H_
#define LUX_SERVER_LUXD_GZIP_FOR_TESTS_H_

#include <zlib.h>

#include <string>

namespace lux::testing {

inline std::string Gzip(const std::string& s) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, s.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
  zs.avail_in = uInt(s.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = uInt(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace lux::testing

#endif  // LUX_SERVER_LUXD_GZIP_FOR_TESTS_H_
