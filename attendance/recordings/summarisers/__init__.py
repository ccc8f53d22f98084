"""The two summarisers behind `attendance.recordings.summaries.summary_draft`: `local` (picked
from the transcript itself, no model, no network) and `remote` (the school's OpenAI-compatible
endpoint). Both take the same plain cues (`draft.Cue`) and give the same `draft.Draft`."""
