// The recording page, live: what each event of `sessionRecordingEvents` says changed, and the
// page's data with the parts read again put in. Pure: no requests here.

export type LiveKind = "READY" | "RECORDING" | "RECORDING_DELETED" | "TRANSCRIPT" | "SUMMARY";

export interface Parts {
  recordings: boolean;
  transcript: boolean;
  summary: boolean;
}

/** The parts of the page to read again after an event. READY comes first and after every
 * reconnect (events may have been missed meanwhile): everything. A deleted recording takes its
 * transcript and summary with it. */
export function partsFor(kind: LiveKind): Parts {
  switch (kind) {
    case "RECORDING":
      return { recordings: true, transcript: false, summary: false };
    case "TRANSCRIPT":
      return { recordings: false, transcript: true, summary: false };
    case "SUMMARY":
      return { recordings: false, transcript: false, summary: true };
    case "READY":
    case "RECORDING_DELETED":
    default:
      return { recordings: true, transcript: true, summary: true };
  }
}

export interface SessionData<R, T, S, A> {
  sessionRecordings: R[];
  sessionTranscript: T | null;
  sessionSummary: S | null;
  /** Whether they are shared with the viewer, and deleted: it goes with the recordings. */
  recordingAvailability: A[];
}

/** `data` with the parts read again (`fresh`) in place of the old ones; the rest kept. */
export function withParts<R, T, S, A, D extends SessionData<R, T, S, A>>(
  data: D,
  parts: Parts,
  fresh: { sessionRecordings?: R[] | null; sessionTranscript?: T | null; sessionSummary?: S | null; recordingAvailability?: A[] | null },
): D {
  return {
    ...data,
    sessionRecordings: parts.recordings ? (fresh.sessionRecordings ?? []) : data.sessionRecordings,
    recordingAvailability: parts.recordings ? (fresh.recordingAvailability ?? []) : data.recordingAvailability,
    sessionTranscript: parts.transcript ? (fresh.sessionTranscript ?? null) : data.sessionTranscript,
    sessionSummary: parts.summary ? (fresh.sessionSummary ?? null) : data.sessionSummary,
  };
}
