// Which install scripts change permissions: commands found as words, not in comments, not
// inside longer names; control fields read from a control file.

import { describe, expect, it } from 'vitest';
import { controlField, permissionCommands } from '../../src/archive/maintainer-scripts.js';

describe('permissionCommands', () => {
  it('finds each permission command once, in order of first use', () => {
    const script = '#!/bin/sh\nset -e\nsetcap cap_net_raw+ep /bin/ping || chmod u+s /bin/ping\nchmod 0640 /etc/x; dpkg-statoverride --list /x\n';
    expect(permissionCommands(script)).toEqual(['setcap', 'chmod', 'dpkg-statoverride']);
  });

  it('ignores comments, and names that merely contain a command', () => {
    const script = '#!/bin/sh\n# chown root:root /x\necho done # chmod it later\nmy-chmod-helper /x\n/usr/lib/chowner.sh\nx=a#chgrp\n';
    expect(permissionCommands(script)).toEqual(['chgrp']);
    expect(permissionCommands('#!/bin/sh\nexit 0\n')).toEqual([]);
  });

  it('finds commands called by path or after a pipe', () => {
    expect(permissionCommands('if [ -x /sbin/setcap ]; then /sbin/setcap cap_x+ep /y; fi\nfind /x | xargs chown root\n')).toEqual(['setcap', 'chown']);
  });
});

describe('controlField', () => {
  it('reads a field case-insensitively and undefined for a missing or empty one', () => {
    const control = 'Package: iputils-ping\nVersion: 3:20221126-1\nDepends: libc6\nPriority:\n';
    expect(controlField(control, 'Package')).toBe('iputils-ping');
    expect(controlField(control, 'version')).toBe('3:20221126-1');
    expect(controlField(control, 'Priority')).toBeUndefined();
    expect(controlField(control, 'Section')).toBeUndefined();
  });
});
