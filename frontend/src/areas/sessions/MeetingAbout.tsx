// A session's page: its details; for those who manage it "Start class", changing its time and
// title, cancelling it or its series (asked first), who is invited with their registration,
// invitation and answer, and guests; for a student Join and their RSVP.
import { useState } from "preact/hooks";
import { request } from "../../api/client";
import { graphql } from "../../api/gql";
import type { SessionsMeetingQuery } from "../../api/gql/graphql";
import type { FieldError } from "../../api/schema";
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { fmt, instantToLocal } from "../../i18n/format";
import { BASE, Link, useLocation } from "../../router";
import { Button, ConfirmButton, Empty, Errors, Field, fieldErrors, Loading, Notice, otherErrors, Page, Section, SortableTable, thrownErrors } from "../../ui";
import { RecordingLink } from "../recordings/RecordingLink";
import type { Me } from "../types";
import { endOf } from "./joinWindow";
import { parseDate, zonedInstant } from "./recurrence";
import { JoinButton, RsvpPicker, SessionStatus, StartClassButton } from "./parts";
import { focusFirstInvalid } from "./Schedule";
import { clashQuestion } from "./clashes";
import { ClashWarning, SuggestTimes } from "./SchedulingHelp";

const MEETING = graphql(`
  query SessionsMeeting($id: ID!) {
    meeting(id: $id) {
      id title description status startTime durationMinutes timezone className classId seriesId
      teacher { name }
      canManage
      joinUrl
      myRsvp
      startedAt endedAt
      rsvpCounts { accepted declined tentative pending }
      roster { user { id name email } registration invitation rsvp }
      guests { id name email wholeSeries invitedAt revokedAt zoomRegistration }
    }
    joinPolicy { opensMinutesBefore closesMinutesAfterEnd }
    myPreferences { effectiveTimezone }
  }
`);

const UPDATE = graphql(`
  mutation SessionsUpdate($input: UpdateMeetingInput!) {
    updateMeeting(input: $input) {
      meeting { id }
      errors { field message code }
    }
  }
`);

const CANCEL = graphql(`
  mutation SessionsCancel($id: ID!, $wholeSeries: Boolean!) {
    cancelMeeting(meetingId: $id, wholeSeries: $wholeSeries) {
      meeting { id status }
      errors { field message code }
    }
  }
`);

const INVITE = graphql(`
  mutation SessionsInviteGuest($id: ID!, $name: String!, $email: String!, $wholeSeries: Boolean!) {
    inviteGuest(meetingId: $id, name: $name, email: $email, wholeSeries: $wholeSeries) {
      guest { id }
      errors { field message code }
    }
  }
`);

const REVOKE = graphql(`
  mutation SessionsRevokeGuest($id: ID!) {
    revokeGuest(guestId: $id) {
      guest { id revokedAt }
      errors { field message code }
    }
  }
`);

type Meeting = SessionsMeetingQuery["meeting"];
type RosterRow = Meeting["roster"][number];

function EditSession({ meeting, zone, onDone }: { meeting: Meeting; zone: string; onDone: () => void }) {
  const [local] = useState(() => instantToLocal(meeting.startTime, zone));
  const [title, setTitle] = useState(meeting.title);
  const [date, setDate] = useState(local.slice(0, 10));
  const [time, setTime] = useState(local.slice(11, 16));
  const [duration, setDuration] = useState(meeting.durationMinutes);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const inSeries = meeting.seriesId !== null;
  // the session being moved is not a clash with itself
  const question = clashQuestion({ classId: meeting.classId, date, time, durationMinutes: duration, rule: null, zone, meetingId: meeting.id });

  const save = async (event: Event) => {
    event.preventDefault();
    const day = parseDate(date);
    const local: FieldError[] = [];
    if (!inSeries && !title.trim()) local.push({ field: "title", message: t("sessions:schedule.errors.title"), code: "invalid" });
    if (!day || !/^\d{2}:\d{2}$/.test(time)) local.push({ field: "startTime", message: t("sessions:schedule.errors.date"), code: "invalid" });
    if (!Number.isInteger(duration) || duration < 1 || duration > 1440) {
      local.push({ field: "durationMinutes", message: t("sessions:schedule.errors.duration"), code: "invalid" });
    }
    setErrors(local);
    if (local.length || !day) {
      focusFirstInvalid();
      return;
    }
    setBusy(true);
    try {
      const start = zonedInstant(day, time, zone).toISOString();
      const { updateMeeting } = await request(UPDATE, {
        input: {
          meetingId: meeting.id,
          title: inSeries || title.trim() === meeting.title ? null : title.trim(),
          startTime: new Date(start).getTime() === new Date(meeting.startTime).getTime() ? null : start,
          durationMinutes: duration === meeting.durationMinutes ? null : duration,
        },
      });
      if (updateMeeting.errors.length) {
        setErrors(updateMeeting.errors);
        focusFirstInvalid();
      } else onDone();
    } catch (e) {
      setErrors(thrownErrors(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={save} noValidate data-test-id="edit-session">
      <Field
        label={t("sessions:schedule.title")}
        hint={inSeries ? t("sessions:about.titleOfSeries") : undefined}
        errors={fieldErrors(errors, "title")}
      >
        {(props) => <input {...props} value={title} disabled={inSeries} maxLength={200} onInput={(e) => setTitle(e.currentTarget.value)} data-test-id="edit-title" />}
      </Field>
      <div class="inline-fields">
        <Field label={t("sessions:schedule.date")} errors={fieldErrors(errors, "startTime")}>
          {(props) => <input {...props} type="date" value={date} onInput={(e) => setDate(e.currentTarget.value)} data-test-id="edit-date" />}
        </Field>
        <Field label={t("sessions:schedule.time")}>
          {(props) => <input {...props} type="time" value={time} onInput={(e) => setTime(e.currentTarget.value)} data-test-id="edit-time" />}
        </Field>
        <Field label={t("sessions:schedule.duration")} errors={fieldErrors(errors, "durationMinutes")}>
          {(props) => (
            <input {...props} type="number" min={1} max={1440} value={duration} onInput={(e) => setDuration(Number(e.currentTarget.value))} data-test-id="edit-duration" />
          )}
        </Field>
      </div>
      <ClashWarning question={question} />
      <p class="muted small">{t("sessions:schedule.zone", { zone })}</p>
      {meeting.classId && (
        <SuggestTimes
          classId={meeting.classId}
          durationMinutes={duration}
          zone={zone}
          chosen={question?.start ?? null}
          onChoose={(fill) => {
            setDate(fill.date);
            setTime(fill.time);
            setDuration(fill.durationMinutes);
          }}
        />
      )}
      <Errors errors={otherErrors(errors, ["title", "startTime", "durationMinutes"])} testId="edit-errors" />
      <div class="form-actions">
        <Button kind="primary" type="submit" busy={busy} testId="edit-save">
          {t("sessions:about.save")}
        </Button>
        <Button kind="ghost" onClick={onDone} testId="edit-cancel">
          {t("sessions:about.keep")}
        </Button>
      </div>
    </form>
  );
}

function CancelButtons({ meeting, refetch }: { meeting: Meeting; refetch: () => Promise<void> }) {
  const [busy, setBusy] = useState<"one" | "series" | null>(null);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const cancel = async (wholeSeries: boolean) => {
    setBusy(wholeSeries ? "series" : "one");
    setErrors([]);
    try {
      const { cancelMeeting } = await request(CANCEL, { id: meeting.id, wholeSeries });
      setErrors(cancelMeeting.errors);
      if (!cancelMeeting.errors.length) await refetch();
    } catch (e) {
      setErrors(thrownErrors(e));
    } finally {
      setBusy(null);
    }
  };
  const when = fmt.dateTime(meeting.startTime);
  return (
    <>
      <ConfirmButton
        title={t("sessions:about.cancelOneTitle")}
        body={<p>{t("sessions:about.cancelOneBody", { title: meeting.title, when })}</p>}
        confirmLabel={t("sessions:about.cancelOneConfirm")}
        onConfirm={() => cancel(false)}
        busy={busy === "one"}
        disabled={busy !== null}
        testId="cancel-session"
      >
        {t("sessions:about.cancelOne")}
      </ConfirmButton>
      {meeting.seriesId && (
        <ConfirmButton
          title={t("sessions:about.cancelSeriesTitle")}
          body={<p>{t("sessions:about.cancelSeriesBody", { title: meeting.title, when })}</p>}
          confirmLabel={t("sessions:about.cancelSeriesConfirm")}
          onConfirm={() => cancel(true)}
          busy={busy === "series"}
          disabled={busy !== null}
          testId="cancel-series"
        >
          {t("sessions:about.cancelSeries")}
        </ConfirmButton>
      )}
      <Errors errors={errors} testId="cancel-errors" />
    </>
  );
}

function Roster({ meeting }: { meeting: Meeting }) {
  const counts = meeting.rsvpCounts;
  const rsvpLabel = (row: RosterRow) => (row.rsvp ? t(`sessions:rsvp.${row.rsvp}`) : t("sessions:roster.pending"));
  return (
    <Section title={t("sessions:roster.title")} count={meeting.roster.length} testId="roster">
      {counts && (
        <p class="muted small" data-test-id="rsvp-counts">
          {t("sessions:roster.counts", {
            yes: fmt.number(counts.accepted),
            maybe: fmt.number(counts.tentative),
            no: fmt.number(counts.declined),
            pending: fmt.number(counts.pending),
          })}
        </p>
      )}
      {meeting.roster.length === 0 ? (
        <Empty title={t("sessions:roster.empty")} testId="roster-empty">
          {t("sessions:roster.emptyHint")}
        </Empty>
      ) : (
        <SortableTable
          testId="roster-table"
          rowTestId="roster-row"
          rows={meeting.roster}
          rowKey={(r) => r.user.id}
          initialSort={{ key: "name" }}
          columns={[
            { key: "name", label: t("sessions:roster.name"), sort: (r) => r.user.name || r.user.email, render: (r) => r.user.name || r.user.email },
            {
              key: "registration",
              label: t("sessions:roster.registration"),
              sort: (r) => r.registration ?? "",
              render: (r) => t(`sessions:roster.reg.${(r.registration ?? "none") as "none"}`),
            },
            {
              key: "invitation",
              label: t("sessions:roster.invitation"),
              sort: (r) => r.invitation ?? "",
              render: (r) => t(`sessions:roster.mail.${r.invitation ?? "NONE"}`),
            },
            { key: "rsvp", label: t("sessions:roster.rsvp"), sort: rsvpLabel, render: rsvpLabel },
          ]}
        />
      )}
    </Section>
  );
}

function Guests({ meeting, refetch }: { meeting: Meeting; refetch: () => Promise<void> }) {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [wholeSeries, setWholeSeries] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const [invited, setInvited] = useState<string | null>(null);
  const invite = async (event: Event) => {
    event.preventDefault();
    const local: FieldError[] = [];
    if (!name.trim()) local.push({ field: "name", message: t("sessions:guests.nameMissing"), code: "invalid" });
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email.trim())) local.push({ field: "email", message: t("sessions:guests.emailBad"), code: "invalid" });
    setErrors(local);
    if (local.length) {
      focusFirstInvalid();
      return;
    }
    setBusy(true);
    try {
      const { inviteGuest } = await request(INVITE, { id: meeting.id, name: name.trim(), email: email.trim(), wholeSeries });
      setErrors(inviteGuest.errors);
      if (inviteGuest.guest) {
        setInvited(name.trim());
        setName("");
        setEmail("");
        await refetch();
      }
    } catch (e) {
      setErrors(thrownErrors(e));
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (id: string) => {
    setErrors([]);
    try {
      const { revokeGuest } = await request(REVOKE, { id });
      setErrors(revokeGuest.errors);
      await refetch();
    } catch (e) {
      setErrors(thrownErrors(e));
    }
  };
  const open = meeting.status === "SCHEDULED" || meeting.status === "STARTED";
  return (
    <Section title={t("sessions:guests.title")} count={meeting.guests.filter((g) => !g.revokedAt).length} testId="guests">
      {meeting.guests.length === 0 ? (
        <p class="muted">{t("sessions:guests.none")}</p>
      ) : (
        <ul class="rows">
          {meeting.guests.map((g) => (
            <li class="row" key={g.id} data-test-id="guest">
              <div class="row-main">
                <strong>{g.name}</strong>
                <span class="muted small">
                  {g.email} · {g.wholeSeries ? t("sessions:guests.series") : t("sessions:guests.session")}
                  {" · "}
                  {g.revokedAt ? t("sessions:guests.revoked") : t(`sessions:roster.reg.${(g.zoomRegistration ?? "none") as "none"}`)}
                </span>
              </div>
              {!g.revokedAt && open && (
                <ConfirmButton
                  kind="small"
                  title={t("sessions:guests.revokeTitle")}
                  body={<p>{t("sessions:guests.revokeBody", { name: g.name })}</p>}
                  confirmLabel={t("sessions:guests.revoke")}
                  onConfirm={() => revoke(g.id)}
                  testId="guest-revoke"
                >
                  {t("sessions:guests.revoke")}
                </ConfirmButton>
              )}
            </li>
          ))}
        </ul>
      )}
      {open && (
        <form onSubmit={invite} noValidate data-test-id="guest-form" class="guest-form">
          <h3>{t("sessions:guests.invite")}</h3>
          {invited && (
            <Notice kind="success" testId="guest-invited">
              {t("sessions:guests.invited", { name: invited })}
            </Notice>
          )}
          <div class="inline-fields">
            <Field label={t("sessions:guests.name")} errors={fieldErrors(errors, "name")}>
              {(props) => <input {...props} value={name} maxLength={200} onInput={(e) => setName(e.currentTarget.value)} data-test-id="guest-name" />}
            </Field>
            <Field label={t("sessions:guests.email")} errors={fieldErrors(errors, "email")}>
              {(props) => <input {...props} type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} data-test-id="guest-email" />}
            </Field>
          </div>
          {meeting.seriesId && (
            <label class="check">
              <input type="checkbox" checked={wholeSeries} onChange={(e) => setWholeSeries(e.currentTarget.checked)} data-test-id="guest-series" />
              <span>{t("sessions:guests.wholeSeries")}</span>
            </label>
          )}
          <Errors errors={otherErrors(errors, ["name", "email"])} testId="guest-errors" />
          <Button kind="primary" type="submit" busy={busy} testId="guest-invite">
            {t("sessions:guests.send")}
          </Button>
        </form>
      )}
    </Section>
  );
}

function About({ data, me, refetch }: { data: SessionsMeetingQuery; me: Me; refetch: () => Promise<void> }) {
  const meeting = data.meeting;
  const zone = data.myPreferences.effectiveTimezone || fmt.zone();
  const [editing, setEditing] = useState(false);
  const { search } = useLocation();
  const end = endOf(meeting);
  const changeable = meeting.canManage && meeting.status === "SCHEDULED";
  const justScheduled = search.has("scheduled");
  return (
    <Page
      title={meeting.title}
      testId="session-page"
      actions={
        <>
          <SessionStatus status={meeting.status} />
          {meeting.status === "ENDED" && <RecordingLink meetingId={meeting.id} />}
          {meeting.canManage && (
            <Link href={`${BASE}/meetings/${meeting.id}`} class="button" data-test-id="open-live-room">
              {t("sessions:about.liveRoom")}
            </Link>
          )}
        </>
      }
    >
      {justScheduled && (
        <Notice kind="success" testId="scheduled-notice">
          {meeting.seriesId ? t("sessions:about.scheduledSeries") : t("sessions:about.scheduled")}
        </Notice>
      )}
      <Section testId="session-details">
        <dl class="details">
          <dt>{t("sessions:about.when")}</dt>
          <dd>
            <time dateTime={meeting.startTime}>{fmt.dateTime(meeting.startTime)}</time>
            {"–"}
            <time dateTime={end.toISOString()}>{fmt.time(end)}</time> ({fmt.duration(meeting.durationMinutes * 60)})
          </dd>
          <dt>{t("sessions:about.class")}</dt>
          <dd>{meeting.className ?? t("sessions:session.noClass")}</dd>
          <dt>{t("sessions:about.teacher")}</dt>
          <dd>{meeting.teacher.name}</dd>
          {meeting.seriesId && (
            <>
              <dt>{t("sessions:about.repeats")}</dt>
              <dd>{t("sessions:about.partOfSeries")}</dd>
            </>
          )}
          {meeting.description && (
            <>
              <dt>{t("sessions:about.description")}</dt>
              <dd>{meeting.description}</dd>
            </>
          )}
        </dl>
        <div class="actions">
          {meeting.canManage && <StartClassButton session={meeting} />}
          {me.role === "STUDENT" && <JoinButton session={meeting} joinUrl={meeting.joinUrl} policy={data.joinPolicy} />}
        </div>
        {me.role === "STUDENT" && meeting.status === "SCHEDULED" && meeting.joinUrl && <RsvpPicker meetingId={meeting.id} answer={meeting.myRsvp} inSeries={meeting.seriesId !== null} />}
      </Section>
      {changeable && (
        <Section title={t("sessions:about.change")} testId="session-change">
          {editing ? (
            <EditSession
              meeting={meeting}
              zone={zone}
              onDone={() => {
                setEditing(false);
                void refetch();
              }}
            />
          ) : (
            <div class="actions">
              <Button onClick={() => setEditing(true)} testId="edit-session-open">
                {t("sessions:about.edit")}
              </Button>
              <CancelButtons meeting={meeting} refetch={refetch} />
            </div>
          )}
        </Section>
      )}
      {meeting.canManage && <Roster meeting={meeting} />}
      {meeting.canManage && <Guests meeting={meeting} refetch={refetch} />}
    </Page>
  );
}

export function MeetingAbout({ id, me }: { id: string; me: Me }) {
  const { data, error, loading, refetch } = useQuery(MEETING, { id }, id);
  if (error && !data) {
    return (
      <Page title={t("sessions:about.notFound")} testId="session-page">
        <Notice kind="error" testId="session-error">
          {error}
        </Notice>
        <Link href={`${BASE}/sessions`}>{t("sessions:about.back")}</Link>
      </Page>
    );
  }
  if (!data) {
    return (
      <Page title={t("sessions:list.title")}>
        <Loading />
      </Page>
    );
  }
  void loading;
  return <About data={data} me={me} refetch={refetch} />;
}
