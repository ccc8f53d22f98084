import { describe, expect, it } from "vitest";
import { fileKind, isPlayable, recordingView, sortFiles, type FileLike } from "./files";

const file = (id: string, fileType: string, recordingType = "", playUrl: string | null = null): FileLike => ({
  id,
  fileType,
  recordingType,
  playUrl,
  downloadUrl: `/recordings/files/${id}/download/`,
});

describe("a recording's files", () => {
  it("are named by kind, whatever the case, others as OTHER", () => {
    expect(fileKind("MP4")).toBe("MP4");
    expect(fileKind("m4a")).toBe("M4A");
    expect(fileKind("TRANSCRIPT")).toBe("TRANSCRIPT");
    expect(fileKind("CSV")).toBe("OTHER");
    expect(fileKind("other")).toBe("OTHER");
    expect(recordingView("speaker_view")).toBe("speaker_view");
    expect(recordingView("something_new")).toBeNull();
  });
  it("play when they are video or audio with the platform's link", () => {
    expect(isPlayable(file("1", "MP4", "speaker_view", "/recordings/files/1/play/"))).toBe(true);
    expect(isPlayable(file("2", "M4A", "audio_only", "/recordings/files/2/play/"))).toBe(true);
    expect(isPlayable(file("3", "MP4", "speaker_view", null))).toBe(false);
    expect(isPlayable(file("4", "TRANSCRIPT", "audio_transcript", "/recordings/files/4/play/"))).toBe(false);
    expect(isPlayable(file("5", "CHAT", "chat_file", null))).toBe(false);
  });
  it("come videos first, the speaker before the gallery, then audio and the rest", () => {
    const files = [
      file("chat", "CHAT", "chat_file"),
      file("vtt", "TRANSCRIPT", "audio_transcript"),
      file("gallery", "MP4", "gallery_view"),
      file("audio", "M4A", "audio_only"),
      file("odd", "XYZ", ""),
      file("speaker", "MP4", "shared_screen_with_speaker_view"),
      file("new", "MP4", "a_new_view"),
    ];
    expect(sortFiles(files).map((f) => f.id)).toEqual(["speaker", "gallery", "new", "audio", "vtt", "chat", "odd"]);
  });
});
