import { setCustomElementsManifest } from '@storybook/web-components-vite';
import type { Preview } from '@storybook/web-components-vite';
import manifest from '@parley/elements/custom-elements.json';
import '@parley/elements/define';
import { disposeStoryClients } from '../stories/support/recorded-client.js';

// Controls and docs read every attribute, event, slot and part from the elements' manifest.
setCustomElementsManifest(manifest);

const preview: Preview = {
  parameters: { layout: 'padded', controls: { expanded: true } },
  decorators: [
    (story) => {
      // One story at a time holds SDK clients; the previous story's go away.
      disposeStoryClients();
      return story();
    },
  ],
};

export default preview;
