/** SMTP on the platform side: the first-run demo's loopback receiver (alert mail is sent by alerts/adapters). */
export { startDemoSmtpReceiver, type DemoSmtpReceiver, type DemoSmtpReceiverOptions } from './demo-smtp-receiver.js';
