// File: modes.h
// -----------------------------------------------------------------------------
// The modes of bench/grpc_load; each prints its JSON lines on stdout and
// returns the exit code.
#ifndef LUX_BENCH_GRPC_LOAD_MODES_H_
#define LUX_BENCH_GRPC_LOAD_MODES_H_

#include "bench/grpc_load/common.h"

namespace lux::grpc_load {

int RunIngest(const Flags& f);
int RunDashboard(const Flags& f);
int RunSubscribe(const Flags& f);

}  // namespace lux::grpc_load

#endif  // LUX_BENCH_GRPC_LOAD_MODES_H_
