/**
 * How long a wait in a test may take before the test fails and says what it
 * waited for: a guard against a hang, far beyond any answer on a loaded
 * machine. Tests wait for events, never for time to pass.
 */
export const HANG_GUARD_MS = 120_000;
