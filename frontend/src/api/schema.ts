// Names for the generated GraphQL types (src/api/gql/, from ../schema.graphql) that the shell and
// the shared views use. Nothing here is written by hand: each is a generated type or a part of
// one, so a schema change that breaks the app fails `tsc`.

import type {
  LiveClassesSubscription,
  LoginMutation,
  MeQuery,
  MeetingParticipantsSubscription,
  MeetingQuery,
  MeetingSummaryFragment,
  StudentAttendanceQuery,
} from "./gql/graphql";

export type {
  AttendanceStatus,
  MeetingStatus,
  ParticipantEventKind,
  ParticipantRole,
  Role,
} from "./gql/graphql";

export type ID = string;
export type DateTime = string;

/** A mutation's typed error (`errors { field message code }`). */
export type FieldError = LoginMutation["login"]["errors"][number];
export type User = NonNullable<MeQuery["me"]>;
export type MeetingSummary = MeetingSummaryFragment;
export type MeetingDetail = NonNullable<MeetingQuery["meeting"]>;
export type ParticipantsEvent = MeetingParticipantsSubscription["meetingParticipants"];
export type Participant = ParticipantsEvent["participants"][number];
export type LiveClassesEvent = LiveClassesSubscription["liveClasses"];
export type LiveClass = LiveClassesEvent["classes"][number];
export type StudentAttendance = StudentAttendanceQuery["studentAttendance"][number];
export interface EmailConfirmation {
  confirmed: boolean;
  canResend: boolean;
}
