"""Socket.IO: authenticated connections in per-user rooms, and the emitter the jobs use."""
