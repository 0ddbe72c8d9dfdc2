import { mount } from 'svelte';
import './app.css';
import { setupI18n } from './i18n';
import { repairNavigatorLanguage } from './lib/navigator-language';
import App from './App.svelte';
import { askEarly } from './lib/early';

askEarly();
repairNavigatorLanguage();
setupI18n();

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
export default mount(App, { target });
