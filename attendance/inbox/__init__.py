"""The Zoom webhook inbox: intake (store and answer), wake-up of one worker per meeting, the
sweep that re-sends what a lost message left pending, and the engine that drains a meeting's
events in batches. Import the modules themselves (no re-exports here: attendance.services
uses the lock, and the engine uses attendance.services)."""
