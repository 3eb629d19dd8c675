// File: output.cc
#include "tools/luxctl/output.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "server/luxd/http_util.h"
#include "server/luxd/lp_writer.h"
#include "tools/luxctl/values.h"

namespace lux::luxctl {
namespace {

bool IsNull(const Frame& f, size_t i) { return !f.valid.empty() && f.valid[i] == 0; }

std::string TagValue(const Frame& f, const std::string& key) {
  for (const Tag& t : f.tags) {
    if (t.key == key) return t.value;
  }
  return "";
}

std::string CsvCell(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string JsonValue(const FieldValue& v) {
  switch (v.index()) {
    case 3:
      return std::get<bool>(v) ? "true" : "false";
    case 4:
      return luxd::JsonString(std::get<std::string>(v));
    case 0:
      // JSON has no NaN or infinities.
      return std::isfinite(std::get<double>(v)) ? FormatValue(v) : "null";
    default:
      return FormatValue(v);
  }
}

// Rows of cells: the header first, then one row per value.
std::vector<std::vector<std::string>> Rows(const std::vector<Frame>& frames, bool rfc3339,
                                           const char* null_text) {
  std::set<std::string> keys;
  for (const Frame& f : frames) {
    for (const Tag& t : f.tags) keys.insert(t.key);
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"time"};
  header.insert(header.end(), keys.begin(), keys.end());
  header.insert(header.end(), {"field", "value"});
  rows.push_back(std::move(header));
  for (const Frame& f : frames) {
    for (size_t i = 0; i < f.times.size(); ++i) {
      std::vector<std::string> row = {rfc3339 ? FormatTime(f.times[i]) : absl::StrCat(f.times[i])};
      for (const auto& k : keys) row.push_back(TagValue(f, k));
      row.push_back(f.field);
      row.push_back(IsNull(f, i) ? null_text : FormatValue(f.values[i]));
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

std::string Table(const std::vector<Frame>& frames) {
  auto rows = Rows(frames, /*rfc3339=*/true, "null");
  if (rows.size() == 1) return "";
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      if (c + 1 == row.size()) {
        line += row[c];
      } else {
        absl::StrAppend(&line, row[c], std::string(width[c] - row[c].size() + 2, ' '));
      }
    }
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::string Csv(const std::vector<Frame>& frames) {
  std::string out;
  for (const auto& row : Rows(frames, /*rfc3339=*/false, "")) {
    std::vector<std::string> cells;
    for (const auto& c : row) cells.push_back(CsvCell(c));
    absl::StrAppend(&out, absl::StrJoin(cells, ","), "\n");
  }
  return out;
}

std::string Json(const std::vector<Frame>& frames) {
  std::vector<std::string> objects;
  for (const Frame& f : frames) {
    std::vector<std::string> tags, times, values;
    for (const Tag& t : f.tags)
      tags.push_back(absl::StrCat(luxd::JsonString(t.key), ":", luxd::JsonString(t.value)));
    for (size_t i = 0; i < f.times.size(); ++i) {
      times.push_back(absl::StrCat(f.times[i]));
      values.push_back(IsNull(f, i) ? "null" : JsonValue(f.values[i]));
    }
    objects.push_back(absl::StrCat("{\"measurement\":", luxd::JsonString(f.measurement),
                                   ",\"field\":", luxd::JsonString(f.field), ",\"type\":\"",
                                   FieldTypeName(f.type), "\",\"tags\":{", absl::StrJoin(tags, ","),
                                   "},\"times\":[", absl::StrJoin(times, ","), "],\"values\":[",
                                   absl::StrJoin(values, ","), "]}"));
  }
  return absl::StrCat("[", absl::StrJoin(objects, ",\n "), "]\n");
}

}  // namespace

absl::StatusOr<Format> ParseFormat(absl::string_view s) {
  if (s == "table") return Format::kTable;
  if (s == "csv") return Format::kCsv;
  if (s == "json") return Format::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown --format \"", s, "\" (table, csv or json)"));
}

std::string Render(const std::vector<Frame>& frames, Format format) {
  switch (format) {
    case Format::kTable:
      return Table(frames);
    case Format::kCsv:
      return Csv(frames);
    case Format::kJson:
      return Json(frames);
  }
  return "";
}

std::vector<Frame> FramesOf(const std::vector<LastValue>& last) {
  std::vector<Frame> frames;
  for (const LastValue& lv : last) {
    Frame f;
    f.measurement = lv.measurement;
    f.field = lv.field;
    f.tags = lv.tags;
    f.type = TypeOf(lv.value);
    f.times = {lv.timestamp_ns};
    f.values = {lv.value};
    frames.push_back(std::move(f));
  }
  return frames;
}

void AppendLineProtocol(const Frame& frame, std::string* out) {
  for (size_t i = 0; i < frame.times.size(); ++i) {
    if (IsNull(frame, i)) continue;
    luxd::AppendLine(frame.measurement, frame.tags, frame.field, frame.values[i], frame.times[i],
                     out);
  }
}

}  // namespace lux::luxctl
