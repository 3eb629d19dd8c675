// File: line_input.cc
#include "tools/luxctl/line_input.h"

#include <algorithm>

namespace lux::luxctl {
namespace {

inline bool IsSpaceLike(char c) { return c == ' ' || c == '\t' || c == '\0'; }

}  // namespace

bool LineInput::Next(const lineproto::ParseOptions& options, lineproto::ParseResult* out) {
  *out = lineproto::ParseResult();
  if (pos_ >= input_.size()) return false;
  size_t end = pos_;
  for (size_t lines = 0; end < input_.size() && lines < lines_per_piece_; ++lines) {
    end = std::min(lineproto::LineEnd(input_, end) + 1, input_.size());
  }
  piece_ = input_.substr(pos_, end - pos_);
  piece_first_line_ = next_line_;
  lineproto::Parse(piece_, options, out);
  const size_t shift = piece_first_line_ - 1;
  for (auto& e : out->errors) e.line_number += shift;
  for (auto& l : out->point_lines) l += shift;
  next_line_ += size_t(std::count(piece_.begin(), piece_.end(), '\n'));
  pos_ = end;
  return true;
}

std::string_view LineInput::Line(size_t line_number) const {
  size_t number = piece_first_line_;
  for (size_t pos = 0; pos < piece_.size() && number <= line_number;) {
    const size_t end = lineproto::LineEnd(piece_, pos);
    std::string_view line = piece_.substr(pos, end - pos);
    if (number == line_number) {
      if (end < piece_.size() && !line.empty() && line.back() == '\r') line.remove_suffix(1);
      while (!line.empty() && IsSpaceLike(line.front())) line.remove_prefix(1);
      return line;
    }
    number += size_t(std::count(line.begin(), line.end(), '\n')) + 1;
    pos = end + 1;
  }
  return {};
}

}  // namespace lux::luxctl
