import type { FieldError } from "../../api/schema";

/** A thrown failure (network, GraphQL) as the errors a form shows. */
export function failed(e: unknown): FieldError[] {
  return [{ field: null, message: e instanceof Error ? e.message : String(e), code: "" }];
}
