import { FieldError, type FieldProblem } from './FormErrors';
import { useOutletName } from './session';

/**
 * A fieldset of outlet check boxes. `own` (the person's outlet, which the server always includes) is shown ticked and
 * cannot be unticked; its label says why.
 */
export function OutletChoices({
  legend,
  outletIds,
  own,
  ownLabel,
  chosen,
  onChange,
  problem,
  testId,
}: {
  legend: string;
  outletIds: readonly string[];
  own: string;
  ownLabel: (outlet: string) => string;
  chosen: ReadonlySet<string>;
  onChange: (next: Set<string>) => void;
  problem?: FieldProblem;
  testId?: string;
}) {
  const outletName = useOutletName();
  const sorted = [...outletIds].sort((a, b) => outletName(a).localeCompare(outletName(b)));
  return (
    <fieldset
      className="fieldset outlet-choices"
      data-testid={testId}
      aria-describedby={problem?.errorId}
    >
      <legend className="field-label">{legend}</legend>
      {sorted.map((outletId) => (
        <label key={outletId} className="choice">
          <input
            type="checkbox"
            checked={outletId === own || chosen.has(outletId)}
            disabled={outletId === own}
            onChange={(e) => {
              const next = new Set(chosen);
              if (e.target.checked) next.add(outletId);
              else next.delete(outletId);
              onChange(next);
            }}
          />
          {outletId === own ? ownLabel(outletName(outletId)) : outletName(outletId)}
        </label>
      ))}
      {problem && <FieldError problem={problem} />}
    </fieldset>
  );
}
