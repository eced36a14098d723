/* The header is the library (static inline); this file gives SwiftPM a C target to build. */
