"""End-to-end tests of the emulator over real loopback HTTP."""
