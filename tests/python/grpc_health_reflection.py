#!/usr/bin/python3
"""A client no one here wrote: Debian's python3-grpcio asks luxd's standard
gRPC health service and server reflection, with hand-encoded protobuf bytes
(no generated code needed).

usage: grpc_health_reflection.py HOST:PORT
Prints "health <service> <status>" lines and "service <name>" lines; exits
non-zero on any RPC error."""
import sys

import grpc


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def string_field(number, text):
    data = text.encode()
    return varint(number << 3 | 2) + varint(len(data)) + data


def fields(buf):
    """Yields (number, wire type, value) of a protobuf message."""
    i = 0
    while i < len(buf):
        key, i = read_varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = read_varint(buf, i)
        elif wire == 2:
            length, i = read_varint(buf, i)
            value, i = buf[i:i + length], i + length
        else:
            raise ValueError("unexpected wire type %d" % wire)
        yield number, wire, value


def read_varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, i


def main():
    channel = grpc.insecure_channel(sys.argv[1])
    check = channel.unary_unary("/grpc.health.v1.Health/Check")
    names = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}
    for service in ["", "lux.v1.Lux"]:
        reply = check(string_field(1, service) if service else b"", timeout=10)
        status = dict((n, v) for n, _, v in fields(reply)).get(1, 0)
        print("health %s %s" % (service or '""', names[status]))
    # ServerReflectionRequest { list_services = 7 }; the answer's
    # list_services_response (6) holds ServiceResponse { name = 1 } entries.
    info = channel.stream_stream("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")
    for reply in info(iter([string_field(7, "")]), timeout=10):
        for number, _, value in fields(reply):
            if number == 6:
                for _, _, service in fields(value):
                    for n, _, name in fields(service):
                        if n == 1:
                            print("service %s" % name.decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
