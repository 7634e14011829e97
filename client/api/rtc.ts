/** Calls and meetings. */
import type * as R from "../../contracts/rtc";
import type { Http, Query } from "../http";
import { enc, type In, type Out } from "./shared";
import type { Call, CallTicket, Meeting, MeetingAccess } from "./types";

export class RtcApi {
	constructor(private readonly http: Http) {}
	startCall(body: In<typeof R.InitiateCallRequest>): Promise<CallTicket> {
		return this.http.request("POST", "/rtc/calls", { body });
	}
	answer(callId: string): Promise<Out<typeof R.JoinCallResponse>> {
		return this.http.request("POST", `/rtc/calls/${enc(callId)}/join`);
	}
	reject(callId: string): Promise<null> {
		return this.http.request("POST", `/rtc/calls/${enc(callId)}/reject`);
	}
	end(callId: string): Promise<null> {
		return this.http.request("POST", `/rtc/calls/${enc(callId)}/end`);
	}
	call(callId: string): Promise<Call> {
		return this.http.request("GET", `/rtc/calls/${enc(callId)}`);
	}
	calls(query: In<typeof R.RtcPageQuery> = {}): Promise<Out<typeof R.CallList>> {
		return this.http.request("GET", "/rtc/calls", { query: query as Query });
	}
	createMeeting(body: In<typeof R.CreateMeetingRequest>): Promise<MeetingAccess> {
		return this.http.request("POST", "/rtc/meetings", { body });
	}
	meetings(query: In<typeof R.RtcPageQuery> = {}): Promise<Out<typeof R.MeetingList>> {
		return this.http.request("GET", "/rtc/meetings", { query: query as Query });
	}
	meeting(roomId: string): Promise<Meeting> {
		return this.http.request("GET", `/rtc/meetings/${enc(roomId)}`);
	}
	joinMeeting(roomId: string, body: In<typeof R.JoinMeetingRequest> = {}): Promise<MeetingAccess> {
		return this.http.request("POST", `/rtc/meetings/${enc(roomId)}/join`, { body });
	}
	endMeeting(roomId: string): Promise<null> {
		return this.http.request("POST", `/rtc/meetings/${enc(roomId)}/end`);
	}
}
