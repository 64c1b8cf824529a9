#ifndef GATEHOUSE_CPREFETCH_H
#define GATEHOUSE_CPREFETCH_H
// Cache prefetch hints for Swift, which has no public prefetch: a lookup that knows the addresses it
// will read starts their cache misses together instead of one after another.

/// Starts loading the cache line holding `address` for reading; changes nothing, faults on nothing.
static inline void gatehouse_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}
#endif
