// A session's recordings: each with its files (kind, view, length, size), Play and Download
// through the platform's links (a new tab: the platform asks Zoom for a fresh link), and Delete
// for those who may (asked first; the page then says it is gone, here and at Zoom).
import { useState } from "preact/hooks";
import { request } from "../../api/client";
import type { RecordingsSessionQuery } from "../../api/gql/graphql";
import type { FieldError } from "../../api/schema";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { ConfirmButton, Errors, Notice, Section, thrownErrors } from "../../ui";
import { DELETE } from "./documents";
import { fileKind, isPlayable, recordingView, sortFiles } from "./files";

type Recording = RecordingsSessionQuery["sessionRecordings"][number];
type File = Recording["files"][number];

function FileRow({ file }: { file: File }) {
  const view = recordingView(file.recordingType);
  const kind = fileKind(file.fileType);
  const facts = [
    view ? t(`recordings:file.view.${view}`) : null,
    file.durationSeconds > 0 ? fmt.clock(file.durationSeconds) : null,
    file.fileSize > 0 ? fmt.fileSize(file.fileSize) : null,
    file.fileExtension ? file.fileExtension.toUpperCase() : null,
  ].filter(Boolean);
  return (
    <li class="row recording-file" data-test-id="recording-file" data-kind={kind}>
      <div class="row-main">
        <strong>{kind === "OTHER" ? file.fileType : t(`recordings:file.kind.${kind}`)}</strong>
        <span class="muted small">{facts.join(" · ")}</span>
      </div>
      <div class="row-actions">
        {isPlayable(file) && file.playUrl && (
          <a class="button small primary" href={file.playUrl} target="_blank" rel="noopener noreferrer" data-test-id="recording-play">
            {t("recordings:file.play")}
          </a>
        )}
        {file.downloadUrl && (
          <a class="button small" href={file.downloadUrl} target="_blank" rel="noopener noreferrer" data-test-id="recording-download">
            {t("recordings:file.download")}
          </a>
        )}
      </div>
    </li>
  );
}

function RecordingItem({ recording, index, many, onDeleted }: {
  recording: Recording;
  index: number;
  many: boolean;
  onDeleted: (id: string) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const deleted = recording.status === "deleted";
  const remove = async () => {
    setBusy(true);
    setErrors([]);
    try {
      const { deleteRecording } = await request(DELETE, { id: recording.id });
      setErrors(deleteRecording.errors);
      if (deleteRecording.ok) onDeleted(recording.id);
    } catch (e) {
      setErrors(thrownErrors(e));
    } finally {
      setBusy(false);
    }
  };
  const facts = [
    recording.startTime ? fmt.dateTime(recording.startTime) : null,
    recording.durationSeconds > 0 ? fmt.clock(recording.durationSeconds) : null,
    recording.totalSize > 0 ? fmt.fileSize(recording.totalSize) : null,
  ].filter(Boolean);
  return (
    <div class="recording" data-test-id="recording" data-recording-id={recording.id} data-status={recording.status}>
      <div class="recording-head">
        <div>
          {many && <h3>{t("recordings:files.part", { n: fmt.number(index + 1) })}</h3>}
          <p class="muted small">{facts.join(" · ")}</p>
        </div>
        {recording.canDelete && !deleted && (
          <ConfirmButton
            kind="small"
            title={t("recordings:files.deleteTitle")}
            body={<p>{t("recordings:files.deleteBody")}</p>}
            confirmLabel={t("recordings:files.deleteConfirm")}
            onConfirm={remove}
            busy={busy}
            testId="recording-delete"
          >
            {t("recordings:files.delete")}
          </ConfirmButton>
        )}
      </div>
      <Errors errors={errors} testId="recording-delete-errors" />
      {deleted ? (
        <p class="muted" data-test-id="recording-deleted">
          {t("recordings:files.wasDeleted")}
        </p>
      ) : recording.files.length ? (
        <ul class="rows">
          {sortFiles(recording.files).map((file) => (
            <FileRow key={file.id} file={file} />
          ))}
        </ul>
      ) : (
        <p class="muted">{t("recordings:files.noFiles")}</p>
      )}
    </div>
  );
}

export function RecordingFiles({ recordings, justDeleted, onDeleted }: {
  recordings: readonly Recording[];
  /** Deleted on this page a moment ago: the page says so. */
  justDeleted: boolean;
  onDeleted: (id: string) => void;
}) {
  return (
    <Section title={t("recordings:files.title")} testId="recording-files">
      {justDeleted && (
        <Notice kind="success" testId="recording-deleted-notice">
          {t("recordings:files.deleted")}
        </Notice>
      )}
      {recordings.length ? (
        recordings.map((recording, i) => (
          <RecordingItem key={recording.id} recording={recording} index={i} many={recordings.length > 1} onDeleted={onDeleted} />
        ))
      ) : (
        <p class="muted" data-test-id="recording-none">
          {t("recordings:files.none")}
        </p>
      )}
    </Section>
  );
}
