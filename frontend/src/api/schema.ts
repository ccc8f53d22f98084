// The parts of ../../../schema.graphql that the SPA uses, as TypeScript types. Written by hand;
// `npm run check:operations` validates every document in operations.ts against the committed
// schema, so a renamed or removed field fails the build.

export type ID = string;
/** ISO 8601, as strawberry prints `DateTime`. */
export type DateTime = string;

export type Role = "ADMIN" | "TEACHER" | "STUDENT" | "PARENT";
export type MeetingStatus = "SCHEDULED" | "STARTED" | "ENDED" | "CANCELLED";
export type MeetingWhen = "UPCOMING" | "LIVE" | "PAST";
export type ParticipantRole = "HOST" | "TEACHER" | "STUDENT" | "GUEST";
export type ParticipantEventKind = "SNAPSHOT" | "JOINED" | "LEFT" | "STATUS";
export type AttendanceStatus = "PRESENT" | "PARTIAL" | "ABSENT" | "EXCUSED";

export interface FieldError {
  field: string | null;
  message: string;
  code: string;
}

export interface EmailConfirmation {
  confirmed: boolean;
  canResend: boolean;
}

export interface User {
  id: ID;
  email: string;
  name: string;
  role: Role;
}

export interface Person {
  id: ID;
  name: string;
}

export interface SchoolClass {
  id: ID;
  name: string;
  teachers: Pick<Person, "name">[];
  students: Pick<User, "id">[];
}

export interface MeetingSummary {
  id: ID;
  title: string;
  status: MeetingStatus;
  startTime: DateTime;
  durationMinutes: number;
  className: string | null;
  teacher: Pick<Person, "name">;
  canManage: boolean;
  /** The viewer's own platform join link (never Zoom's); null for those who start the class. */
  joinUrl: string | null;
}

export interface AttendanceRecord {
  student: Pick<User, "id" | "name">;
  status: AttendanceStatus;
  attendedSeconds: number;
  isFinal: boolean;
}

/** Someone without an account invited to the class (or its whole series). */
export interface Guest {
  id: ID;
  name: string;
  email: string;
  wholeSeries: boolean;
  revokedAt: DateTime | null;
  /** Their registration at Zoom for this session: "registered", "failed", "cancelled" or null. */
  zoomRegistration: string | null;
}

export interface GuestAttendanceRecord {
  guestId: ID;
  name: string;
  status: AttendanceStatus;
  attendedSeconds: number;
  isFinal: boolean;
}

export interface MeetingDetail extends MeetingSummary {
  startedAt: DateTime | null;
  endedAt: DateTime | null;
  attendance: AttendanceRecord[];
  /** Those who manage the class only (empty for everyone else). */
  guests: Guest[];
  guestAttendance: GuestAttendanceRecord[];
}

export interface MeetingPage<T> {
  items: T[];
  totalCount: number;
}

export interface Participant {
  key: string;
  name: string;
  role: ParticipantRole;
  joinedAt: DateTime | null;
  // False for someone unidentified and for a name or email typed into Zoom that no teacher
  // confirmed yet (an invited guest who came through their own link is verified).
  verified: boolean;
}

export interface ParticipantsEvent {
  kind: ParticipantEventKind;
  meetingId: ID;
  status: MeetingStatus;
  count: number;
  participants: Participant[];
}

export interface LiveClass {
  id: ID;
  title: string;
  teacher: Pick<Person, "name">;
  startedAt: DateTime | null;
  participantCount: number;
}

/** kind: "snapshot", "meeting.started", "meeting.ended" (classes is the whole list) or
 * "live.count" (meetingId and count only). */
export interface LiveClassesEvent {
  kind: string;
  classes: LiveClass[];
  meetingId: ID | null;
  count: number | null;
}

export interface StudentAttendance {
  meetingId: ID;
  meetingTitle: string;
  startTime: DateTime;
  status: AttendanceStatus;
  attendedSeconds: number;
}
