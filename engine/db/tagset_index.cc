// File: tagset_index.cc
#include "engine/db/tagset_index.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "engine/db/db_impl.h"

namespace lux::engine {

uint64_t TagSetIndex::Hash(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

void TagSetIndex::Prefetch(uint64_t hash) const { nodes_.prefetch(Probe{{}, hash}); }

const TagSetIndex::Node* TagSetIndex::Find(std::string_view key, uint64_t hash) const {
  auto it = nodes_.find(Probe{key, hash});
  return it == nodes_.end() ? nullptr : *it;
}

TagSetIndex::Node* TagSetIndex::NewNode(std::string_view key, uint64_t hash) {
  void* mem = ::operator new (sizeof(Node) + key.size(), std::align_val_t{alignof(Node)});
  Node* n = new (mem) Node{hash, {}, uint32_t(key.size())};
  std::memcpy(reinterpret_cast<char*>(n + 1), key.data(), key.size());
  return n;
}

void TagSetIndex::DeleteNode(Node* n) {
  n->~Node();
  ::operator delete (n, std::align_val_t{alignof(Node)});
}

void TagSetIndex::Add(std::string_view key, uint64_t hash, Field field) {
  auto it = nodes_.find(Probe{key, hash});
  if (it == nodes_.end()) it = nodes_.insert(NewNode(key, hash)).first;
  (*it)->fields.push_back(std::move(field));
}

void TagSetIndex::Remove(std::string_view key, uint64_t sid) {
  auto it = nodes_.find(Probe{key, Hash(key)});
  if (it == nodes_.end()) return;
  Node* n = *it;
  n->fields.erase(std::remove_if(n->fields.begin(), n->fields.end(),
                                 [&](const Field& f) { return f.sid == sid; }),
                  n->fields.end());
  if (n->fields.empty()) {
    nodes_.erase(it);
    DeleteNode(n);
  }
}

void TagSetIndex::Clear() {
  for (Node* n : nodes_) DeleteNode(n);
  nodes_.clear();
}

}  // namespace lux::engine
