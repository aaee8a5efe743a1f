import Markdown, { type Components } from 'react-markdown';
import { t } from '../../i18n';

// Raw HTML in a note is shown as text (react-markdown escapes it; no rehype-raw). Images never load: a remote
// image would tell a third party who is reading what, and the CSP forbids them anyway. Links keep the default
// URL check (no javascript:) and open without a referrer.
const components: Components = {
  img: ({ alt }) => <span className="note-image">{t('annotation.image', { alt: alt ?? '' })}</span>,
  a: ({ href, children }) => (
    <a href={href} rel="noopener noreferrer nofollow" target="_blank">
      {children}
    </a>
  ),
};

/** A note or comment: Markdown, rendered inert. */
export function NoteText({ text }: { text: string }) {
  return (
    <div className="annotation-text markdown">
      <Markdown components={components}>{text}</Markdown>
    </div>
  );
}
