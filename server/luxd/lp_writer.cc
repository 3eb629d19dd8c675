// File: lp_writer.cc
#include "server/luxd/lp_writer.h"

#include <charconv>

#include "absl/strings/str_cat.h"

namespace lux::luxd {
namespace {

void Escape(std::string_view s, std::string_view specials, std::string* out) {
  for (char c : s) {
    if (specials.find(c) != std::string_view::npos) out->push_back('\\');
    out->push_back(c);
  }
}

void AppendValue(const FieldValue& v, std::string* out) {
  switch (v.index()) {
    case 0: {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof(buf), std::get<double>(v));
      out->append(buf, r.ptr);
      break;
    }
    case 1:
      absl::StrAppend(out, std::get<int64_t>(v), "i");
      break;
    case 2:
      absl::StrAppend(out, std::get<uint64_t>(v), "u");
      break;
    case 3:
      out->append(std::get<bool>(v) ? "true" : "false");
      break;
    default:
      out->push_back('"');
      Escape(std::get<std::string>(v), "\"\\", out);
      out->push_back('"');
  }
}

void AppendSeries(std::string_view measurement, const std::vector<Tag>& tags, std::string* out) {
  Escape(measurement, ", ", out);
  for (const Tag& t : tags) {
    out->push_back(',');
    Escape(t.key, ",= ", out);
    out->push_back('=');
    Escape(t.value, ",= ", out);
  }
}

}  // namespace

void AppendLine(std::string_view measurement, const std::vector<Tag>& tags, std::string_view field,
                const FieldValue& value, int64_t ts, std::string* out) {
  AppendSeries(measurement, tags, out);
  out->push_back(' ');
  Escape(field, ",= ", out);
  out->push_back('=');
  AppendValue(value, out);
  absl::StrAppend(out, " ", ts, "\n");
}

void AppendPoint(const Point& p, std::string* out) {
  AppendSeries(p.measurement, p.tags, out);
  char sep = ' ';
  for (const Field& f : p.fields) {
    out->push_back(sep);
    sep = ',';
    Escape(f.key, ",= ", out);
    out->push_back('=');
    AppendValue(f.value, out);
  }
  absl::StrAppend(out, " ", p.timestamp_ns, "\n");
}

}  // namespace lux::luxd
