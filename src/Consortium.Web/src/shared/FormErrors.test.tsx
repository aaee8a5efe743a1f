// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { ApiError } from '../api/http';
import { FieldError, FormError, useFieldProblems } from './FormErrors';

const refusal = new ApiError(400, {
  status: 400,
  title: 'One or more validation errors occurred.',
  errors: { memberOutletIds: ['One or more of these outlets are unknown.'], schema: ['Column names must be distinct.'] },
});

function Form({ error, fields }: { error: unknown; fields: readonly string[] }) {
  const problems = useFieldProblems(error, fields);
  const members = problems.of('memberOutletIds');
  return (
    <form>
      <input aria-label="Outlets" aria-invalid={members.invalid || undefined} aria-describedby={members.errorId} />
      <FieldError problem={members} />
      <FormError error={error} problems={problems} />
    </form>
  );
}

afterEach(cleanup);

describe('form errors', () => {
  it('shows a field message beside its field, described by it, and the rest in the alert', () => {
    render(<Form error={refusal} fields={['memberOutletIds']} />);
    const input = screen.getByLabelText('Outlets');
    const message = screen.getByTestId('field-error');
    expect(message.textContent).toBe('One or more of these outlets are unknown.');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toBe(message.id);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('One or more validation errors occurred.');
    // The schema has no control in this form: its message still reaches the person, in the alert.
    expect(alert.textContent).toContain('Column names must be distinct.');
    expect(alert.textContent).not.toContain('outlets are unknown');
  });

  it('shows nothing beside a field the problem does not name, and no alert without an error', () => {
    render(<Form error={undefined} fields={['memberOutletIds']} />);
    expect(screen.queryByTestId('field-error')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByLabelText('Outlets').getAttribute('aria-describedby')).toBeNull();
  });
});
