/**
 * What the example pages share: reading `?user=`, `?room=` and `?server=`
 * (the chat server, when it is not this page's origin), and entering a public
 * room, created on first use, with the page's dev-token client.
 */

/** The origin of an http(s) URL, or null. */
export function httpOrigin(value) {
  try {
    const url = new URL(value ?? '');
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

/** The page's query string, user, room and chat server. */
export function pageParams(defaultRoom) {
  const params = new URLSearchParams(location.search);
  return {
    params,
    user: (params.get('user') || 'guest').trim(),
    roomId: (params.get('room') || defaultRoom).trim().toLowerCase(),
    server: httpOrigin(params.get('server')) ?? location.origin,
  };
}

/**
 * Joins the public room `roomId`, creating it when it does not exist (two
 * people may race to). Any room holds a call and a workspace document; a
 * public one lets the second person in without an invitation.
 */
export async function enterRoom(client, roomId) {
  try {
    await client.joinRoom(roomId);
    return;
  } catch (error) {
    if (error.code === 'conflict') return; // already a member
    if (error.code !== 'not_found') throw error;
  }
  try {
    await client.createRoom({ room: roomId, kind: 'public', name: roomId });
  } catch (error) {
    if (error.code !== 'conflict') throw error;
    await client.joinRoom(roomId).catch((again) => {
      if (again.code !== 'conflict') throw again;
    });
  }
}
