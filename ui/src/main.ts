import { mount } from 'svelte';
import './app.css';
import { setupI18n } from './i18n';
import App from './App.svelte';

setupI18n();

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
export default mount(App, { target });
