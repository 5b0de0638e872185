#!/usr/bin/perl
# An SMSC for the interop tests, built on Debian's libnet-smpp-perl (Net::SMPP, by Sampo
# Kellomaki): the PDU codec and the socket handling are Net::SMPP's, not ours.
#
#   perl netsmpp_smsc.pl --port 0 --system-id ID --password PW [--log FILE]
#        [--throttle-every N] [--drop-after N] [--enquire-interval S] [--no-receipts]
#        [--receipt-delay S] [--receipt-form both|tlv|text] [--receipt-id-hex]
#        [--receipt-before-resp] [--fail-submit N] [--spool DIR] [--resp-id-hex] [--fork]
#        [--deliver-window N]
#
# Prints "listening on 127.0.0.1:PORT" once ready. Serves any number of sessions at once.
# Checks credentials (ESME_RINVSYSID for an unknown system_id, ESME_RINVPASWD for a wrong
# password), answers submit_sm with decimal ids (hex with --resp-id-hex), answers ESME_RTHROTTLED to every Nth submit_sm,
# closes the connection without answering the Nth submit_sm (once), sends enquire_link every S
# seconds. Per submit_sm that asked for one it queues an appendix-B delivery receipt (text and/or
# receipted_message_id + message_state TLVs; the id in hex with --receipt-id-hex; UNDELIV for the
# Nth accepted submit_sm with --fail-submit; due after --receipt-delay seconds, or written before
# the submit_sm_resp with --receipt-before-resp). Like a real SMSC it delivers queued deliver_sm
# on the submitting session when that is a transceiver, else on any bound receiver or
# transceiver session, and keeps each one until its deliver_sm_resp arrives: one left
# unanswered when a session closes is sent again on the next bind, and one answered
# ESME_RX_T_APPN a second later on another receiving session if there is one; with
# --deliver-window N at most N deliver_sm wait for their resp on a session (the rest queue, as
# an SMSC's window holds them). Files NAME.json dropped in
# the --spool directory are deliver_sm to send ({source_addr, destination_addr, esm_class,
# data_coding, source_addr_ton, short_message (hex), tlvs: {name: hex}}), e.g. inbound messages.
# Every PDU it receives and every deliver_sm it sends is logged as one JSON line. With --fork
# each connection is served by its own process (binds served in parallel, for the bulk tests and
# bench); a session's deliver_sm then stay on that session, message ids start at
# session * 10,000,000 so they stay unique, and the spool is not read.
use strict;
use warnings;
use Getopt::Long;
use IO::Select;
use JSON::PP;
use Net::SMPP;
use Time::HiRes qw(time);

my ($port, $system_id, $password, $log_path) = (0, 'smppclient1', 'password', '');
my ($throttle_every, $drop_after, $enquire_interval, $no_receipts) = (0, 0, 0, 0);
my ($receipt_delay, $receipt_form, $receipt_id_hex, $receipt_before_resp, $fail_submit, $spool)
    = (0, 'both', 0, 0, 0, '');
my ($resp_id_hex, $fork, $child, $deliver_window) = (0, 0, 0, 0);
GetOptions(
    'port=i' => \$port, 'system-id=s' => \$system_id, 'password=s' => \$password,
    'log=s' => \$log_path, 'throttle-every=i' => \$throttle_every,
    'drop-after=i' => \$drop_after, 'enquire-interval=f' => \$enquire_interval,
    'no-receipts' => \$no_receipts, 'receipt-delay=f' => \$receipt_delay,
    'receipt-form=s' => \$receipt_form, 'receipt-id-hex' => \$receipt_id_hex,
    'receipt-before-resp' => \$receipt_before_resp, 'fail-submit=i' => \$fail_submit,
    'spool=s' => \$spool, 'resp-id-hex' => \$resp_id_hex, 'fork' => \$fork,
    'deliver-window=i' => \$deliver_window,
) or die "bad options\n";

$| = 1;
$SIG{PIPE} = 'IGNORE';  # a session that died under us is noticed by its next read
$SIG{CHLD} = 'IGNORE' if $fork;
my $log;
if ($log_path) { open($log, '>>', $log_path) or die "log: $!"; $log->autoflush(1); }
my $json = JSON::PP->new->canonical;
sub event { print $log $json->encode({t => time, @_}), "\n" if $log; }  # t: epoch seconds

my $server = Net::SMPP->new_listen('127.0.0.1', port => $port, listen => 16,
                                   enquire_interval => 0, async => 1)
    or die "cannot listen: $!";
print "listening on 127.0.0.1:", $server->sockport, "\n";

my ($submits, $accepted, $dropped, $next_id, $session_ids, $items) = (0, 0, 0, 1000000, 0, 0);
my %TLV_NAMES = (0x020C => 'sar_msg_ref_num', 0x020E => 'sar_total_segments',
                 0x020F => 'sar_segment_seqnum', 0x0424 => 'message_payload');
my %sessions;   # fileno => {c, id, mode, bound, last_enquire, unacked => {seq => item}}
my @queue;      # deliver_sm waiting for a receiving session: {n, due, origin, kind, params}
my $select = IO::Select->new($server);

while (1) {
    my @ready = $select->can_read(0.05);
    for my $fh (@ready) {
        if ($fh == $server) {
            my $c = $server->accept or next;
            $session_ids++;
            if ($fork) {
                my $pid = fork();
                if (!defined $pid || $pid != 0) { close($c); next; }  # the parent only accepts
                # The child serves this one connection.
                ($child, $next_id, $spool) = (1, $session_ids * 10000000, '');
                $select->remove($server);
                close($server);
            }
            $sessions{fileno($c)} = {c => $c, id => $session_ids, mode => '', bound => 0,
                                     last_enquire => time, unacked => {}};
            $select->add($c);
            next;
        }
        my $s = $sessions{fileno($fh)} or next;
        serve_one($s) or close_session($s);
    }
    for my $s (values %sessions) {
        if ($s->{bound} && $enquire_interval && time - $s->{last_enquire} >= $enquire_interval) {
            $s->{c}->enquire_link(async => 1);
            event(event => 'enquire_link_sent', session => $s->{id});
            $s->{last_enquire} = time;
        }
    }
    read_spool() if $spool;
    flush_queue();
}

sub close_session {
    my ($s) = @_;
    event(event => 'closed', session => $s->{id});
    $select->remove($s->{c});
    delete $sessions{fileno($s->{c})};
    close($s->{c});
    exit 0 if $child;
    # What the ESME never acknowledged goes back first in line: it is sent again.
    my @back = sort { $a->{n} <=> $b->{n} } values %{$s->{unacked}};
    for my $item (@back) { $item->{due} = 0; $item->{redelivery} = 1; }
    unshift @queue, @back;
}

sub receiving { my ($s) = @_; return $s->{bound} && $s->{mode} ne 'transmitter'; }

sub flush_queue {
    return unless @queue;
    my @receivers = sort { $a->{id} <=> $b->{id} } grep { receiving($_) } values %sessions;
    return unless @receivers;
    my @later;
    my $now = time;
    my $turn = 0;
    for my $item (@queue) {
        if ($item->{due} > $now) { push @later, $item; next; }
        my ($target) = grep { $_->{id} == $item->{origin} } @receivers;
        my @others = grep { $_->{id} != ($item->{refused_by} // 0) } @receivers;
        @others = @receivers unless @others;
        $target ||= $others[$turn++ % @others];
        if ($deliver_window && keys %{$target->{unacked}} >= $deliver_window) {
            push @later, $item;  # the window is full: it waits for a resp
            next;
        }
        send_item($target, $item);
    }
    @queue = @later;
}

sub send_item {
    my ($s, $item) = @_;
    my $seq = $s->{c}->deliver_sm(%{$item->{params}}, async => 1);
    $s->{unacked}{$seq} = $item;
    event(event => 'deliver_sm', session => $s->{id}, seq => $seq, kind => $item->{kind},
          n => $item->{n}, redelivery => $item->{redelivery} ? 1 : 0,
          receipt_id => $item->{receipt_id});
}

sub queue_item {
    my (%item) = @_;
    $item{n} = ++$items;
    push @queue, \%item;
}

sub read_spool {
    opendir(my $dir, $spool) or return;
    my @files = sort grep { /\.json$/ } readdir($dir);
    closedir($dir);
    for my $name (@files) {
        my $path = "$spool/$name";
        open(my $fh, '<', $path) or next;
        local $/;
        my $spec = $json->decode(<$fh>);
        close($fh);
        unlink($path);
        my %params = (source_addr => $spec->{source_addr}, destination_addr => $spec->{destination_addr},
                      esm_class => $spec->{esm_class} || 0, data_coding => $spec->{data_coding} || 0,
                      source_addr_ton => $spec->{source_addr_ton} || 0,
                      short_message => pack('H*', $spec->{short_message} || ''));
        for my $tlv (sort keys %{$spec->{tlvs} || {}}) {
            $params{$tlv} = pack('H*', $spec->{tlvs}{$tlv});
        }
        queue_item(due => 0, origin => 0, kind => $spec->{kind} || 'spool', params => \%params,
                   receipt_id => $spec->{receipt_id});
    }
}

sub receipt_params {
    my ($pdu, $id, $failed) = @_;
    my $shown = $receipt_id_hex ? sprintf('%x', $id) : "$id";
    my ($stat, $err, $state) = $failed ? ('UNDELIV', '001', 5) : ('DELIVRD', '000', 2);
    my $dlvrd = $failed ? '000' : '001';
    my %params = (source_addr => $pdu->{destination_addr}, destination_addr => $pdu->{source_addr},
                  esm_class => 0x04, short_message => '');
    if ($receipt_form ne 'tlv') {
        $params{short_message} = "id:$shown sub:001 dlvrd:$dlvrd submit date:2411261530"
            . " done date:2411261531 stat:$stat err:$err text:" . substr($pdu->{short_message}, 0, 10);
    }
    if ($receipt_form ne 'text') {
        $params{receipted_message_id} = "$shown\0";
        $params{message_state} = pack('C', $state);
    }
    return (\%params, $shown);
}

sub serve_one {
    my ($s) = @_;
    my $c = $s->{c};
    my $pdu = $c->read_pdu() or return 0;
    my $cmd = $pdu->{cmd};
    my $session = $s->{id};
    if ($cmd == 0x00000002 || $cmd == 0x00000009 || $cmd == 0x00000001) {
        my $mode = $cmd == 0x00000009 ? 'transceiver' : $cmd == 0x00000002 ? 'transmitter' : 'receiver';
        my $status = $pdu->{system_id} ne $system_id ? 0x0F
                   : $pdu->{password} ne $password ? 0x0E : 0;
        event(event => 'bind', session => $session, mode => $mode, system_id => $pdu->{system_id},
              system_type => $pdu->{system_type}, interface_version => $pdu->{interface_version},
              status => $status);
        my $method = "bind_${mode}_resp";
        $c->$method(system_id => 'NetSMPP', seq => $pdu->{seq}, status => $status);
        return 0 if $status;
        ($s->{bound}, $s->{mode}) = (1, $mode);
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
            return 0;
        }
        if ($throttle_every && $submits % $throttle_every == 0) {
            event(%record, status => 0x58);
            $c->submit_sm_resp(message_id => '', seq => $pdu->{seq}, status => 0x58);
            return 1;
        }
        my $id = $next_id++;
        my $resp_id = $resp_id_hex ? sprintf('%x', $id) : "$id";
        $accepted++;
        event(%record, status => 0, message_id => $resp_id);
        if (!$no_receipts && ($pdu->{registered_delivery} & 3)) {
            my ($params, $shown) = receipt_params($pdu, $id, $fail_submit && $accepted == $fail_submit);
            queue_item(due => $receipt_before_resp ? 0 : time + $receipt_delay, origin => $session,
                       kind => 'receipt', params => $params, receipt_id => $shown);
            flush_queue() if $receipt_before_resp;
        }
        $c->submit_sm_resp(message_id => $resp_id, seq => $pdu->{seq});
    } elsif ($cmd == 0x00000015) {
        event(event => 'enquire_link', session => $session);
        $c->enquire_link_resp(seq => $pdu->{seq});
    } elsif ($cmd == 0x80000015) {
        event(event => 'enquire_link_resp', session => $session);
    } elsif ($cmd == 0x80000005) {
        my $item = delete $s->{unacked}{$pdu->{seq}};
        event(event => 'deliver_sm_resp', session => $session, status => $pdu->{status},
              seq => $pdu->{seq}, n => $item ? $item->{n} : undef);
        if ($item && $pdu->{status} == 0x64) {
            # ESME_RX_T_APPN: the ESME cannot take it now; like an SMSC, try again a second
            # later, on another receiving session when there is one.
            @$item{qw(due redelivery origin refused_by)} = (time + 1, 1, 0, $session);
            push @queue, $item;
        }
    } elsif ($cmd == 0x00000006) {
        event(event => 'unbind', session => $session);
        $c->unbind_resp(seq => $pdu->{seq});
        return 0;
    } else {
        event(event => 'other', session => $session, command_id => $cmd);
        $c->generic_nack(seq => $pdu->{seq}, status => 0x03) unless $cmd & 0x80000000;
    }
    return 1;
}
