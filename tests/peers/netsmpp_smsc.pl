#!/usr/bin/perl
# An SMSC for the interop tests, built on Debian's libnet-smpp-perl (Net::SMPP, by Sampo
# Kellomaki): the PDU codec and the socket handling are Net::SMPP's, not ours.
#
#   perl netsmpp_smsc.pl --port 0 --system-id ID --password PW [--log FILE]
#        [--throttle-every N] [--drop-after N] [--enquire-interval S] [--no-receipts] [--fork]
#
# Prints "listening on 127.0.0.1:PORT" once ready. Checks credentials (ESME_RINVSYSID for an
# unknown system_id, ESME_RINVPASWD for a wrong password), answers submit_sm with decimal ids,
# answers ESME_RTHROTTLED to every Nth submit_sm, closes the connection without answering the
# Nth submit_sm (once), sends enquire_link every S seconds, and on transceiver binds sends an
# appendix-B delivery receipt (with receipted_message_id and message_state TLVs) per submit_sm
# that asked for one. Every PDU it receives is logged as one JSON line. With --fork each
# connection is served by its own process (several binds at once, as a real SMSC takes them);
# message ids then start at session * 10,000,000 so they stay unique.
use strict;
use warnings;
use Getopt::Long;
use IO::Select;
use JSON::PP;
use Net::SMPP;
use Time::HiRes qw(time);

my ($port, $system_id, $password, $log_path) = (0, 'smppclient1', 'password', '');
my ($throttle_every, $drop_after, $enquire_interval, $no_receipts, $fork) = (0, 0, 0, 0, 0);
GetOptions(
    'port=i' => \$port, 'system-id=s' => \$system_id, 'password=s' => \$password,
    'log=s' => \$log_path, 'throttle-every=i' => \$throttle_every,
    'drop-after=i' => \$drop_after, 'enquire-interval=f' => \$enquire_interval,
    'no-receipts' => \$no_receipts, 'fork' => \$fork,
) or die "bad options\n";

$| = 1;
my $log;
if ($log_path) { open($log, '>>', $log_path) or die "log: $!"; $log->autoflush(1); }
my $json = JSON::PP->new->canonical;
sub event { print $log $json->encode({t => time, @_}), "\n" if $log; }  # t: epoch seconds

my $server = Net::SMPP->new_listen('127.0.0.1', port => $port, listen => 16,
                                   enquire_interval => 0, async => 1)
    or die "cannot listen: $!";
print "listening on 127.0.0.1:", $server->sockport, "\n";

my ($submits, $dropped, $next_id, $session) = (0, 0, 1000000, 0);
my %TLV_NAMES = (0x020C => 'sar_msg_ref_num', 0x020E => 'sar_total_segments',
                 0x020F => 'sar_segment_seqnum', 0x0424 => 'message_payload');

$SIG{CHLD} = 'IGNORE' if $fork;
while (1) {
    my $c = $server->accept or next;
    $session++;
    if ($fork) {
        my $pid = fork();
        if (defined $pid && $pid == 0) {
            $next_id = $session * 10000000;
            serve($c);
            exit 0;
        }
        close($c);
        next;
    }
    serve($c);
}

sub serve {
    my ($c) = @_;
    my $select = IO::Select->new($c);
    my ($bound, $mode, $last_enquire) = (0, '', time);
    while (1) {
        my $wait = $enquire_interval ? $enquire_interval : 60;
        if ($bound && $enquire_interval && time - $last_enquire >= $enquire_interval) {
            $c->enquire_link(async => 1);
            event(event => 'enquire_link_sent', session => $session);
            $last_enquire = time;
        }
        next unless $select->can_read($wait);
        my $pdu = $c->read_pdu() or do { event(event => 'closed', session => $session); return; };
        my $cmd = $pdu->{cmd};
        if ($cmd == 0x00000002 || $cmd == 0x00000009 || $cmd == 0x00000001) {
            $mode = $cmd == 0x00000009 ? 'transceiver' : $cmd == 0x00000002 ? 'transmitter' : 'receiver';
            my $status = $pdu->{system_id} ne $system_id ? 0x0F
                       : $pdu->{password} ne $password ? 0x0E : 0;
            event(event => 'bind', session => $session, mode => $mode, system_id => $pdu->{system_id},
                  system_type => $pdu->{system_type}, interface_version => $pdu->{interface_version},
                  status => $status);
            my $method = "bind_${mode}_resp";
            $c->$method(system_id => 'NetSMPP', seq => $pdu->{seq}, status => $status);
            if ($status) { close($c); return; }
            $bound = 1;
        } elsif ($cmd == 0x00000004) {
            $submits++;
            my %tlvs;
            for my $tag (keys %TLV_NAMES) {
                $tlvs{$TLV_NAMES{$tag}} = unpack('H*', $pdu->{$tag}) if defined $pdu->{$tag};
            }
            my %record = (event => 'submit_sm', session => $session, seq => $pdu->{seq},
                source_addr => $pdu->{source_addr}, source_addr_ton => $pdu->{source_addr_ton},
                source_addr_npi => $pdu->{source_addr_npi},
                destination_addr => $pdu->{destination_addr},
                dest_addr_ton => $pdu->{dest_addr_ton}, dest_addr_npi => $pdu->{dest_addr_npi},
                esm_class => $pdu->{esm_class}, data_coding => $pdu->{data_coding},
                registered_delivery => $pdu->{registered_delivery},
                priority_flag => $pdu->{priority_flag}, validity_period => $pdu->{validity_period},
                service_type => $pdu->{service_type},
                short_message => unpack('H*', $pdu->{short_message}), tlvs => \%tlvs);
            if ($drop_after && !$dropped && $submits == $drop_after) {
                $dropped = 1;
                event(%record, status => -1);  # not answered: the connection is dropped
                close($c);
                return;
            }
            if ($throttle_every && $submits % $throttle_every == 0) {
                event(%record, status => 0x58);
                $c->submit_sm_resp(message_id => '', seq => $pdu->{seq}, status => 0x58);
                next;
            }
            my $id = $next_id++;
            event(%record, status => 0, message_id => "$id");
            $c->submit_sm_resp(message_id => "$id", seq => $pdu->{seq});
            if ($mode eq 'transceiver' && !$no_receipts && ($pdu->{registered_delivery} & 3)) {
                my $text = "id:$id sub:001 dlvrd:001 submit date:2411261530 done date:2411261531"
                         . " stat:DELIVRD err:000 text:" . substr($pdu->{short_message}, 0, 10);
                $c->deliver_sm(source_addr => $pdu->{destination_addr},
                               destination_addr => $pdu->{source_addr}, esm_class => 0x04,
                               short_message => $text, receipted_message_id => "$id\0",
                               message_state => pack('C', 2), async => 1);
            }
        } elsif ($cmd == 0x00000015) {
            event(event => 'enquire_link', session => $session);
            $c->enquire_link_resp(seq => $pdu->{seq});
        } elsif ($cmd == 0x80000015) {
            event(event => 'enquire_link_resp', session => $session);
        } elsif ($cmd == 0x80000005) {
            event(event => 'deliver_sm_resp', session => $session, status => $pdu->{status});
        } elsif ($cmd == 0x00000006) {
            event(event => 'unbind', session => $session);
            $c->unbind_resp(seq => $pdu->{seq});
            close($c);
            return;
        } else {
            event(event => 'other', session => $session, command_id => $cmd);
            $c->generic_nack(seq => $pdu->{seq}, status => 0x03) unless $cmd & 0x80000000;
        }
    }
}
