import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { t } from '../i18n';
import { ErrorAlert } from './ui';

interface Props {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** Runs the action; a rejection is shown in the dialog, which then stays open. */
  onConfirm: () => Promise<void>;
  /** Called when the dialog is dismissed (Cancel, Esc) or after the action succeeded. */
  onClose: () => void;
  /** Destructive actions get the danger style. */
  danger?: boolean;
}

/**
 * A modal confirmation built on the native <dialog> (focus is trapped inside, Esc cancels, the rest of the page is
 * inert). Render it only while it should be open. Cancel has focus first, so Enter never confirms by accident;
 * focus goes back to whatever had it before when the dialog goes away.
 */
export function ConfirmDialog({ title, children, confirmLabel, onConfirm, onClose, danger = true }: Props) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const titleId = useId();
  const bodyId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    cancelRef.current?.focus();
    return () => {
      // The trigger may be gone (the removed row, say): then the main region takes focus rather than <body>.
      if (previous?.isConnected) previous.focus();
      else document.getElementById('main')?.focus();
    };
  }, []);

  const confirm = async () => {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      setBusy(false);
      onCloseRef.current();
    } catch (e) {
      setBusy(false);
      setError(e);
    }
  };

  return (
    <dialog
      ref={dialogRef}
      className="confirm-dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      data-testid="confirm-dialog"
      onCancel={(event) => {
        // Esc: stay open while the action runs; otherwise close through onClose.
        event.preventDefault();
        if (!busy) onCloseRef.current();
      }}
    >
      <h2 id={titleId} className="confirm-title">
        {title}
      </h2>
      <div id={bodyId} className="confirm-body">
        {children}
      </div>
      {error !== undefined && <ErrorAlert error={error} />}
      <div className="confirm-actions">
        <button ref={cancelRef} type="button" className="button secondary" disabled={busy} onClick={() => onCloseRef.current()}>
          {error !== undefined ? t('common.close') : t('common.cancel')}
        </button>
        <button
          type="button"
          className={danger ? 'button danger' : 'button'}
          disabled={busy}
          aria-busy={busy}
          onClick={() => void confirm()}
        >
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
