/**
 * Benchmark reference: the transport alone. Opens a reader pty with the same serial library as pintu's reader and
 * prints the monotonic time (ns) at which each EM4100 frame's last byte (ETX) arrives — the floor under every
 * "tap → relay" figure: the socat hop and this machine's scheduling, with no decision, database or relay.
 * Usage: node dist/bench/pty-floor.js PTY
 */
import { SerialPort } from 'serialport';

const ETX = 0x03;
const port = new SerialPort({ path: process.argv[2]!, baudRate: 9600 });
port.on('data', (d: Buffer) => {
  if (d.includes(ETX)) process.stdout.write(`${process.hrtime.bigint()}\n`);
});
port.on('open', () => process.stdout.write('open\n'));
