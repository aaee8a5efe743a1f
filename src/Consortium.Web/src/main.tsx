import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { RouterProvider } from './shared/router';
import { SessionProvider } from './shared/session';
import { I18nextProvider } from 'react-i18next';
import { i18nInstance, initI18n } from './i18n';
import './styles/index.css';

initI18n();

const root = document.getElementById('root');
if (!root) throw new Error('#root element missing from index.html');

createRoot(root).render(
  <StrictMode>
    <I18nextProvider i18n={i18nInstance}>
      <RouterProvider>
        <SessionProvider>
          <App />
        </SessionProvider>
      </RouterProvider>
    </I18nextProvider>
  </StrictMode>,
);
