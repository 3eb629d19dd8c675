// File: tagset_index.h
// -----------------------------------------------------------------------------
// The write path's map from a tag set (its TagSetKey bytes) to its series,
// one per field. A write resolves each of its tag sets here, and with a
// hundred thousand tag sets the lookups miss the cache; the layout keeps the
// misses few and lets a caller overlap them:
//  - a tag set is one node: its key's hash, its fields (name, type, series:
//    resolving does not touch the scattered Series objects) and its key
//    bytes, in one allocation;
//  - the table holds node pointers and hashes with the stored hash, so
//    growing it never hashes a key again;
//  - Prefetch(hash) starts loading the table's probe position; a caller
//    hashes a batch's keys first, prefetches them all, then looks them up.
#ifndef LUX_ENGINE_DB_TAGSET_INDEX_H_
#define LUX_ENGINE_DB_TAGSET_INDEX_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "lux/point.h"

namespace lux::engine {

struct Series;

class TagSetIndex {
 public:
  struct Field {
    std::string field;
    FieldType type;
    uint64_t sid;  // series->sid
    Series* series;
  };
  // One tag set. Its key bytes follow it in the same allocation.
  struct Node {
    uint64_t hash;
    absl::InlinedVector<Field, 2> fields;
    uint32_t key_size;
    std::string_view key() const { return {reinterpret_cast<const char*>(this + 1), key_size}; }
  };

  TagSetIndex() = default;
  TagSetIndex(const TagSetIndex&) = delete;
  TagSetIndex& operator=(const TagSetIndex&) = delete;
  ~TagSetIndex() { Clear(); }

  static uint64_t Hash(std::string_view key);

  void Prefetch(uint64_t hash) const;
  // The tag set of `key` (whose Hash is `hash`), or null.
  const Node* Find(std::string_view key, uint64_t hash) const;
  const Node* Find(std::string_view key) const { return Find(key, Hash(key)); }
  // Adds a field's series to the tag set of `key`, making the tag set if new.
  void Add(std::string_view key, uint64_t hash, Field field);
  // Removes the field whose series has id `sid`; the tag set goes with its
  // last field.
  void Remove(std::string_view key, uint64_t sid);
  void Clear();
  size_t size() const { return nodes_.size(); }

 private:
  struct Probe {
    std::string_view key;
    uint64_t hash;
  };
  struct NodeHash {
    using is_transparent = void;
    size_t operator()(const Node* n) const { return n->hash; }
    size_t operator()(const Probe& p) const { return p.hash; }
  };
  struct NodeEq {
    using is_transparent = void;
    static Probe Of(const Node* n) { return {n->key(), n->hash}; }
    static const Probe& Of(const Probe& p) { return p; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      const Probe& x = Of(a);
      const Probe& y = Of(b);
      return x.hash == y.hash && x.key == y.key;
    }
  };
  static Node* NewNode(std::string_view key, uint64_t hash);
  static void DeleteNode(Node* n);

  absl::flat_hash_set<Node*, NodeHash, NodeEq> nodes_;
};

}  // namespace lux::engine

#endif  // LUX_ENGINE_DB_TAGSET_INDEX_H_
