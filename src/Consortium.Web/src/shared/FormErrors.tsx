import { useId } from 'react';
import { fieldErrors } from '../api/client';
import { ErrorAlert } from './ui';

/**
 * The server's answer to a form, split the way every form shows it (decision 0031): the messages of an RFC 7807
 * validation problem (`errors: { field: [messages] }`) beside the field they name, everything else (the title, a
 * detail, messages for fields the form does not show) in one alert under the form.
 */
export interface FieldProblem {
  /** The field's messages; empty when the field is fine. */
  messages: string[];
  invalid: boolean;
  /** The id of the message element, for the control's aria-describedby (undefined when there is none). */
  errorId: string | undefined;
}

export interface FieldProblems<F extends string> {
  of: (field: F) => FieldProblem;
  /** The fields whose messages are shown beside them (for the alert to leave out). */
  fields: readonly F[];
}

/** `fields`: the wire names of the fields the form shows (as the server names them in `errors`). */
export function useFieldProblems<F extends string>(error: unknown, fields: readonly F[]): FieldProblems<F> {
  const base = useId();
  return {
    fields,
    of: (field) => {
      const messages = fieldErrors(error, field);
      return { messages, invalid: messages.length > 0, errorId: messages.length > 0 ? `${base}-${field}` : undefined };
    },
  };
}

/** The messages of one field, placed right after its control; nothing when the field is fine. */
export function FieldError({ problem }: { problem: FieldProblem }) {
  if (!problem.invalid) return null;
  return (
    <p id={problem.errorId} className="field-error" data-testid="field-error">
      {problem.messages.join(' ')}
    </p>
  );
}

/** The general message of a failed form: the problem's title and what no field shows. */
export function FormError<F extends string>({ error, problems, id }: { error: unknown; problems: FieldProblems<F>; id?: string }) {
  if (error === undefined) return null;
  return <ErrorAlert error={error} id={id} shownBesideFields={problems.fields} />;
}
