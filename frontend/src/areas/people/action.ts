// A form's or a button's call to a mutation: busy while it runs, the errors it answered (or the
// request's failure, as one error) afterwards.
import { useState } from "preact/hooks";
import type { FieldError } from "../../api/schema";

export function useAction() {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const run = async (action: () => Promise<readonly FieldError[]>): Promise<boolean> => {
    setErrors([]);
    setBusy(true);
    try {
      const failed = await action();
      setErrors([...failed]);
      return failed.length === 0;
    } catch (e) {
      setErrors([{ field: null, message: e instanceof Error ? e.message : String(e), code: "request" }]);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, errors, setErrors };
}
