// A recording's files as a person sees them: which kind each is, in which order, which can be
// played in the browser and which only downloaded. Pure: tested in files.test.ts.

/** Zoom's file types the app names; any other is "OTHER". */
export const FILE_KINDS = ["MP4", "M4A", "TRANSCRIPT", "CC", "CHAT", "TIMELINE", "SUMMARY", "OTHER"] as const;
export type FileKind = (typeof FILE_KINDS)[number];

/** Zoom's recording types (the view a video shows) the app names. */
export const RECORDING_VIEWS = [
  "shared_screen_with_speaker_view",
  "shared_screen_with_gallery_view",
  "speaker_view",
  "gallery_view",
  "active_speaker",
  "shared_screen",
  "audio_only",
  "audio_transcript",
  "chat_file",
  "closed_caption",
  "timeline",
] as const;
export type RecordingView = (typeof RECORDING_VIEWS)[number];

export interface FileLike {
  id: string;
  fileType: string;
  recordingType: string;
  playUrl: string | null;
  downloadUrl: string | null;
}

export function fileKind(fileType: string): FileKind {
  const upper = fileType.toUpperCase();
  return (FILE_KINDS as readonly string[]).includes(upper) && upper !== "OTHER" ? (upper as FileKind) : "OTHER";
}

export function recordingView(recordingType: string): RecordingView | null {
  return (RECORDING_VIEWS as readonly string[]).includes(recordingType) ? (recordingType as RecordingView) : null;
}

/** Videos and audio play in the browser (through the platform's link); the rest download. */
export function isPlayable(file: FileLike): boolean {
  const kind = fileKind(file.fileType);
  return Boolean(file.playUrl) && (kind === "MP4" || kind === "M4A");
}

/** Videos first (the speaker's view before the gallery), then audio, transcript, captions,
 * chat and the rest; the order Zoom gave within a kind. */
export function sortFiles<F extends FileLike>(files: readonly F[]): F[] {
  const rank = (f: F) => FILE_KINDS.indexOf(fileKind(f.fileType));
  const view = (f: F) => {
    const known = recordingView(f.recordingType);
    return known ? RECORDING_VIEWS.indexOf(known) : RECORDING_VIEWS.length;
  };
  return files
    .map((file, i) => ({ file, i }))
    .sort((a, b) => rank(a.file) - rank(b.file) || view(a.file) - view(b.file) || a.i - b.i)
    .map((x) => x.file);
}
