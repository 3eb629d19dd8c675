// File: line_input.h
// -----------------------------------------------------------------------------
// Line-protocol input cut into pieces of a bounded number of lines, so that
// `luxctl write` parses and sends a large file batch by batch while errors
// keep naming the line of the whole input.
#ifndef LUX_TOOLS_LUXCTL_LINE_INPUT_H_
#define LUX_TOOLS_LUXCTL_LINE_INPUT_H_

#include <cstddef>
#include <string_view>

#include "server/lineproto/line_protocol.h"

namespace lux::luxctl {

class LineInput {
 public:
  // REQUIRES: `input` outlives this object; lines_per_piece > 0.
  LineInput(std::string_view input, size_t lines_per_piece)
      : input_(input), lines_per_piece_(lines_per_piece) {}

  // Parses the next piece (at most lines_per_piece lines) into *out (cleared
  // first), with every line number counted from the start of the input.
  // False when the input is used up.
  bool Next(const lineproto::ParseOptions& options, lineproto::ParseResult* out);

  // The line numbered `line_number` (1-based, as in ParseResult) of the last
  // piece, as the parser quotes it: leading blanks and the line terminator
  // removed. Empty if that line is not in the last piece.
  std::string_view Line(size_t line_number) const;

 private:
  std::string_view input_;
  const size_t lines_per_piece_;
  size_t pos_ = 0;
  size_t next_line_ = 1;  // number of the physical line at pos_
  std::string_view piece_;
  size_t piece_first_line_ = 1;
};

}  // namespace lux::luxctl

#endif  // LUX_TOOLS_LUXCTL_LINE_INPUT_H_
